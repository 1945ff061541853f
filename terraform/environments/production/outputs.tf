output "alb_dns_name" {
  description = "Alias the web and identity hosts to this name."
  value       = module.edge.alb_dns_name
}

output "rds_endpoint" {
  description = "externalName of Service postgres in k3s/overlays/aws."
  value       = module.data.rds_endpoint
}

output "rds_master_secret_arn" {
  description = "Secret with the RDS master password (for the one-time bootstrap)."
  value       = module.data.rds_master_secret_arn
}

output "redis_endpoint" {
  description = "externalName of Service redis in k3s/overlays/aws."
  value       = module.data.redis_endpoint
}

output "k3s_server_private_ip" {
  description = "The k3s API is at https://<this>:6443, inside the VPC (reach it through Systems Manager)."
  value       = module.k3s.server_private_ip
}

output "app_secret_arns" {
  description = "Secrets to fill with the workloads' settings (k3s/base/secrets.yaml)."
  value       = module.secrets.app_secret_arns
}

output "images_bucket_name" {
  description = "The event images bucket."
  value       = module.data.images_bucket_name
}
