output "alb_sg_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "nodes_sg_id" {
  description = "Security group of the k3s nodes."
  value       = aws_security_group.nodes.id
}

output "rds_sg_id" {
  description = "Security group of RDS."
  value       = aws_security_group.rds.id
}

output "redis_sg_id" {
  description = "Security group of ElastiCache."
  value       = aws_security_group.redis.id
}
