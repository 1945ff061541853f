# The k3s cluster: one server at a fixed private address (its state lives on its root volume,
# kept when the instance goes: back it up, or grow to three servers with embedded etcd) and
# agents in an auto-scaling group over three zones.
# Both from launch templates whose user data installs the pinned k3s release and joins with
# the token from Secrets Manager. IMDSv2 only, encrypted volumes, no public addresses.

locals {
  server_ip = cidrhost(data.aws_subnet.first.cidr_block, 10)
}

data "aws_subnet" "first" {
  id = var.private_subnet_ids[0]
}

data "aws_region" "current" {}

resource "aws_launch_template" "server" {
  name_prefix   = "${var.name}-k3s-server-"
  image_id      = var.ami_id
  instance_type = var.server_instance_type
  user_data = base64encode(templatefile("${path.module}/templates/server.sh.tftpl", {
    k3s_version  = var.k3s_version
    token_secret = var.k3s_token_secret_arn
    region       = data.aws_region.current.name
    server_ip    = local.server_ip
  }))

  iam_instance_profile {
    arn = aws_iam_instance_profile.nodes.arn
  }

  vpc_security_group_ids = [var.nodes_sg_id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = var.root_device_name
    ebs {
      volume_size           = var.root_volume_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = false
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-k3s-server", Role = "k3s-server" }
  }
}

# The server keeps a fixed address, which the agents join.
resource "aws_instance" "server" {
  #checkov:skip=CKV_AWS_79:IMDSv2 only: set in the launch template, which checkov does not follow.
  #checkov:skip=CKV_AWS_8:Encrypted root volume: set in the launch template.
  #checkov:skip=CKV_AWS_126:Detailed monitoring: set in the launch template.
  #checkov:skip=CKV2_AWS_41:The instance profile is set in the launch template.
  ebs_optimized = true
  subnet_id     = var.private_subnet_ids[0]
  private_ip    = local.server_ip

  launch_template {
    id      = aws_launch_template.server.id
    version = aws_launch_template.server.latest_version
  }
}

resource "aws_lb_target_group_attachment" "server" {
  target_group_arn = var.target_group_arn
  target_id        = aws_instance.server.id
}

resource "aws_launch_template" "agent" {
  name_prefix   = "${var.name}-k3s-agent-"
  image_id      = var.ami_id
  instance_type = var.agent_instance_type
  user_data = base64encode(templatefile("${path.module}/templates/agent.sh.tftpl", {
    k3s_version  = var.k3s_version
    token_secret = var.k3s_token_secret_arn
    region       = data.aws_region.current.name
    server_ip    = local.server_ip
  }))
  vpc_security_group_ids = [var.nodes_sg_id]

  iam_instance_profile {
    arn = aws_iam_instance_profile.nodes.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = var.root_device_name
    ebs {
      volume_size           = var.root_volume_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-k3s-agent", Role = "k3s-agent" }
  }
}

# Agents: replaced one zone at a time by instance refresh when the template changes; the
# services' PodDisruptionBudgets and rolling updates keep them serving meanwhile.
resource "aws_autoscaling_group" "agents" {
  name                = "${var.name}-k3s-agents"
  min_size            = var.agent_min
  max_size            = var.agent_max
  vpc_zone_identifier = var.private_subnet_ids
  target_group_arns   = [var.target_group_arn]
  health_check_type   = "ELB"

  health_check_grace_period = 300

  launch_template {
    id      = aws_launch_template.agent.id
    version = aws_launch_template.agent.latest_version
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 66
    }
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-k3s-agent"
    propagate_at_launch = true
  }
}

# Scale agents on CPU: the HPAs add pods when a sale opens, the agents follow.
resource "aws_autoscaling_policy" "agents_cpu" {
  name                   = "${var.name}-agents-cpu"
  autoscaling_group_name = aws_autoscaling_group.agents.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = 60
  }
}
