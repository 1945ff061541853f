output "kms_key_arn" {
  description = "The environment's KMS key."
  value       = aws_kms_key.this.arn
}

output "k3s_token_secret_arn" {
  description = "Secret holding the k3s join token."
  value       = aws_secretsmanager_secret.k3s_token.arn
}

output "redis_auth_token" {
  description = "ElastiCache's AUTH token."
  value       = random_password.redis_auth.result
  sensitive   = true
}

output "redis_auth_secret_arn" {
  description = "Secret holding ElastiCache's AUTH token."
  value       = aws_secretsmanager_secret.redis_auth.arn
}

output "app_secret_arns" {
  description = "Secrets of the workloads, by name."
  value       = { for k, s in aws_secretsmanager_secret.app : k => s.arn }
}
