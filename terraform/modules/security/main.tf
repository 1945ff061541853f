# Least-privilege security groups: every rule names its peer group and one port.
#   internet -> alb :443 (and :80, redirected)  -> nodes :80 (Traefik)
#   nodes <-> nodes (k3s: API 6443, kubelet 10250, flannel VXLAN 8472/udp, etcd 2379-2380)
#   nodes -> rds :5432, nodes -> redis :6379; nodes -> internet :443, :80 (packages), :587 (mail)
# The data tier has no egress rule at all.

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached in other modules (edge, k3s, data), which checkov does not follow.
  name        = "${var.name}-alb"
  description = "Load balancer: HTTPS from the internet, HTTP to the k3s nodes"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-alb" }
}

resource "aws_security_group" "nodes" {
  #checkov:skip=CKV2_AWS_5:Attached in other modules (edge, k3s, data), which checkov does not follow.
  name        = "${var.name}-nodes"
  description = "k3s server and agents"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-nodes" }
}

resource "aws_security_group" "rds" {
  #checkov:skip=CKV2_AWS_5:Attached in other modules (edge, k3s, data), which checkov does not follow.
  name        = "${var.name}-rds"
  description = "PostgreSQL: from the k3s nodes only"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-rds" }
}

resource "aws_security_group" "redis" {
  #checkov:skip=CKV2_AWS_5:Attached in other modules (edge, k3s, data), which checkov does not follow.
  name        = "${var.name}-redis"
  description = "Redis: from the k3s nodes only"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-redis" }
}

# Load balancer.
resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere (WAF in front)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (edge/main.tf listener "http").
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere, answered by a redirect to HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "alb_to_nodes" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To Traefik on the nodes"
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "tcp"
  from_port                    = var.ingress_http_port
  to_port                      = var.ingress_http_port
}

# Nodes.
resource "aws_vpc_security_group_ingress_rule" "nodes_from_alb" {
  #checkov:skip=CKV_AWS_260:The peer is the load balancer's security group, not 0.0.0.0/0 (checkov reads the port alone).
  security_group_id            = aws_security_group.nodes.id
  description                  = "Traefik, from the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.ingress_http_port
  to_port                      = var.ingress_http_port
}

resource "aws_vpc_security_group_ingress_rule" "nodes_tcp" {
  for_each = {
    api     = 6443
    kubelet = 10250
    etcd    = 2379
    peer    = 2380
  }
  security_group_id            = aws_security_group.nodes.id
  description                  = "k3s ${each.key}, between nodes"
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "nodes_vxlan" {
  security_group_id            = aws_security_group.nodes.id
  description                  = "flannel VXLAN, between nodes"
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "udp"
  from_port                    = 8472
  to_port                      = 8472
}

resource "aws_vpc_security_group_egress_rule" "nodes_https" {
  security_group_id = aws_security_group.nodes.id
  description       = "HTTPS out through NAT: Stripe, image registries, AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "nodes_http" {
  security_group_id = aws_security_group.nodes.id
  description       = "HTTP out through NAT: the OS package mirrors"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "nodes_smtp" {
  security_group_id = aws_security_group.nodes.id
  description       = "SMTP submission to the mail relay"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 587
  to_port           = 587
}

resource "aws_vpc_security_group_egress_rule" "nodes_in_vpc" {
  security_group_id = aws_security_group.nodes.id
  description       = "Inside the VPC: other nodes, RDS, ElastiCache, Kafka, MongoDB, DNS"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "-1"
}

# Data tier.
resource "aws_vpc_security_group_ingress_rule" "rds_from_nodes" {
  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from the k3s nodes"
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_nodes" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the k3s nodes"
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}
