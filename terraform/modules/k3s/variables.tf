variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "k3s_version" {
  description = "k3s release installed on every node (pinned: server and agents must match)."
  type        = string
  default     = "v1.33.5+k3s1"
}

variable "ami_id" {
  description = "AMI of the nodes: Amazon Linux 2023 of the region (the user data uses its AWS CLI and dnf)."
  type        = string
}

variable "root_device_name" {
  description = "Root device of the AMI (/dev/xvda on Amazon Linux, /dev/sda1 on Ubuntu)."
  type        = string
  default     = "/dev/xvda"
}

variable "server_instance_type" {
  description = "Instance type of the k3s server."
  type        = string
  default     = "t3.large"
}

variable "agent_instance_type" {
  description = "Instance type of the k3s agents."
  type        = string
  default     = "t3.xlarge"
}

variable "agent_min" {
  description = "Fewest agents (the services' PodDisruptionBudgets want two or more)."
  type        = number
  default     = 2
}

variable "agent_max" {
  description = "Most agents (room for the HPAs' ceilings: 5 event-query and 8 order pods)."
  type        = number
  default     = 6
}

variable "private_subnet_ids" {
  description = "Private subnets, one per zone; the server runs in the first."
  type        = list(string)
}

variable "nodes_sg_id" {
  description = "Security group of the nodes."
  type        = string
}

variable "target_group_arn" {
  description = "Load balancer target group every node joins (Traefik's HTTP port)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the nodes' volumes and the secrets they read."
  type        = string
}

variable "k3s_token_secret_arn" {
  description = "Secret holding the k3s join token."
  type        = string
}

variable "app_secret_arns" {
  description = "Secrets the cluster's external-secrets operator reads (the workloads' settings)."
  type        = list(string)
}

variable "images_bucket_arn" {
  description = "S3 bucket of event images, which the nodes read and write."
  type        = string
}

variable "root_volume_gb" {
  description = "Size of each node's root volume."
  type        = number
  default     = 50
}
