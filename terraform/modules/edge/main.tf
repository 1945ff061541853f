# The public edge: an Application Load Balancer terminating TLS (HTTP redirects to HTTPS)
# in front of Traefik on every k3s node, guarded by AWS WAF with the managed rule sets and a
# per-address rate limit. Idle timeout above the SSE heartbeat (15 s), so live seat maps
# stay open.

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_76:The Log4j rules (KnownBadInputs) are on; the check also wants AnonymousIpList, which would block Stripe's webhooks (sent from cloud hosts) and buyers on VPNs.
  #checkov:skip=CKV_AWS_91:Access logs need a log bucket whose policy names the region's ELB account; WAF logs (waf.tf) record every request meanwhile.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [var.alb_sg_id]
  idle_timeout               = 120
  drop_invalid_header_fields = true
  enable_deletion_protection = true
}

resource "aws_lb_target_group" "traefik" {
  name                 = "${var.name}-traefik"
  vpc_id               = var.vpc_id
  port                 = var.ingress_http_port
  protocol             = "HTTP"
  target_type          = "instance"
  deregistration_delay = 30

  # Traefik answers 404 to a request for no known host: that still proves it is up.
  health_check {
    path                = "/"
    matcher             = "200-404"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.traefik.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
