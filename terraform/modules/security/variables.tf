variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the groups belong to."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's address range (the nodes' egress to the data tier stays inside it)."
  type        = string
}

variable "ingress_http_port" {
  description = "Port of Traefik's plain-HTTP entry point on the nodes, which the load balancer forwards to."
  type        = number
  default     = 80
}
