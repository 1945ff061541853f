output "rds_endpoint" {
  description = "Address of PostgreSQL (k3s/overlays/aws: Service postgres)."
  value       = aws_db_instance.this.address
}

output "rds_master_secret_arn" {
  description = "Secret holding the RDS master user's password (managed by RDS)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "redis_endpoint" {
  description = "Primary address of Redis (k3s/overlays/aws: Service redis)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "images_bucket_arn" {
  description = "The event images bucket."
  value       = aws_s3_bucket.images.arn
}

output "images_bucket_name" {
  description = "Name of the event images bucket."
  value       = aws_s3_bucket.images.bucket
}
