variable "name" {
  description = "Prefix of every resource name (e.g. ticketly-production)."
  type        = string
}

variable "cidr" {
  description = "The VPC's address range; split into one public and one private /20 per availability zone."
  type        = string
  default     = "10.0.0.0/16"
}

variable "azs" {
  description = "Three availability zones of the region (the nodes, RDS Multi-AZ and ElastiCache spread over them)."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "Give exactly three availability zones."
  }
}

variable "flow_log_retention_days" {
  description = "How long VPC flow logs are kept."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key encrypting the flow log group."
  type        = string
}
