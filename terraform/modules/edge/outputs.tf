output "alb_dns_name" {
  description = "Point the web and identity hosts' DNS records (alias) here."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer, for Route 53 alias records."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "Target group of Traefik on the nodes."
  value       = aws_lb_target_group.traefik.arn
}

output "web_acl_arn" {
  description = "The WAF web ACL."
  value       = aws_wafv2_web_acl.this.arn
}
