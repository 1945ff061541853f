variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, part of every resource name."
  type        = string
  default     = "production"
}

variable "azs" {
  description = "Three availability zones of the region."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "vpc_cidr" {
  description = "Address range of the VPC (k3s/base/traefik.yaml trusts forwarded headers from it)."
  type        = string
  default     = "10.0.0.0/16"
}

variable "node_ami_id" {
  description = "AMI of the k3s nodes: Amazon Linux 2023 of the region."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the public hosts (web app and Keycloak)."
  type        = string
}

variable "images_bucket_name" {
  description = "Globally unique name of the event images bucket."
  type        = string
}

variable "agent_min" {
  description = "Fewest k3s agents."
  type        = number
  default     = 2
}

variable "agent_max" {
  description = "Most k3s agents."
  type        = number
  default     = 6
}
