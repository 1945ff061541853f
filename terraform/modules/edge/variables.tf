variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the load balancer, one per zone."
  type        = list(string)
}

variable "alb_sg_id" {
  description = "Security group of the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate covering the web and identity hosts (e.g. tickets.example.com, id.example.com)."
  type        = string
}

variable "ingress_http_port" {
  description = "Port of Traefik's plain-HTTP entry point on the nodes."
  type        = number
  default     = 80
}

variable "kms_key_arn" {
  description = "KMS key of the WAF log group."
  type        = string
}

variable "rate_limit_per_5min" {
  description = "Requests one client address may send in five minutes before WAF blocks it (a sale's rush stays far below)."
  type        = number
  default     = 3000
}

variable "log_retention_days" {
  description = "How long WAF logs are kept."
  type        = number
  default     = 365
}
