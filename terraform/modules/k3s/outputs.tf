output "server_private_ip" {
  description = "Address of the k3s server (its API on :6443, inside the VPC)."
  value       = local.server_ip
}

output "agents_asg_name" {
  description = "Auto-scaling group of the agents."
  value       = aws_autoscaling_group.agents.name
}

output "nodes_role_arn" {
  description = "IAM role of the nodes."
  value       = aws_iam_role.nodes.arn
}
