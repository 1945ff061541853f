variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets, one per zone."
  type        = list(string)
}

variable "rds_sg_id" {
  description = "Security group of RDS."
  type        = string
}

variable "redis_sg_id" {
  description = "Security group of ElastiCache."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the database, the cache, the bucket and the master password secret."
  type        = string
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.m6g.large"
}

variable "db_allocated_storage_gb" {
  description = "Initial RDS storage; it grows on its own up to db_max_storage_gb."
  type        = number
  default     = 50
}

variable "db_max_storage_gb" {
  description = "Ceiling of RDS storage autoscaling."
  type        = number
  default     = 500
}

variable "db_engine_version" {
  description = "PostgreSQL 15 minor release."
  type        = string
  default     = "15.10"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.medium"
}

variable "redis_auth_token" {
  description = "AUTH token of Redis (order's REDIS_PASSWORD)."
  type        = string
  sensitive   = true
}

variable "images_bucket_name" {
  description = "Globally unique name of the event images bucket."
  type        = string
}
