# The nodes' role: Systems Manager for shell access (no SSH, no key pair), the k3s token, the
# workloads' secrets (for external-secrets), the images bucket. Nothing else.

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "nodes" {
  name               = "${var.name}-k3s-nodes"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "nodes" {
  statement {
    sid       = "ReadClusterSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = concat([var.k3s_token_secret_arn], var.app_secret_arns)
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid       = "EventImages"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.images_bucket_arn}/*"]
  }
  statement {
    sid       = "ListEventImages"
    actions   = ["s3:ListBucket"]
    resources = [var.images_bucket_arn]
  }
}

resource "aws_iam_role_policy" "nodes" {
  name   = "k3s-nodes"
  role   = aws_iam_role.nodes.id
  policy = data.aws_iam_policy_document.nodes.json
}

resource "aws_iam_instance_profile" "nodes" {
  name = "${var.name}-k3s-nodes"
  role = aws_iam_role.nodes.name
}
