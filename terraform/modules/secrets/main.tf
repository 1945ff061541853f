# One KMS key for everything of this environment that is encrypted at rest, and the secrets:
#  - generated here: the k3s join token and the Redis AUTH token;
#  - created empty, filled by the operator (aws secretsmanager put-secret-value), read into
#    the cluster's Secret templates (k3s/base/secrets.yaml) by an external-secrets operator:
#    the services' credentials (SPEC 11 refuses development values in production).
# RDS keeps its master password in a secret of its own (manage_master_user_password).

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; this is AWS's default account statement.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself.
  #checkov:skip=CKV_AWS_109:The account root administers its key (AWS's default key policy); IAM policies grant the rest.
  # The account administers the key; services use it through their own IAM permissions.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  # CloudWatch Logs encrypts the flow and WAF log groups with it.
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "random_password" "k3s_token" {
  length  = 48
  special = false
}

resource "random_password" "redis_auth" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "k3s_token" {
  #checkov:skip=CKV2_AWS_57:Rotating it needs the consumers restarted in step (k3s join, Redis AUTH, service credentials): a runbook, not a Lambda.
  name                    = "${var.name}/k3s-token"
  description             = "Join token of the k3s cluster"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "k3s_token" {
  secret_id     = aws_secretsmanager_secret.k3s_token.id
  secret_string = random_password.k3s_token.result
}

resource "aws_secretsmanager_secret" "redis_auth" {
  #checkov:skip=CKV2_AWS_57:Rotating it needs the consumers restarted in step (k3s join, Redis AUTH, service credentials): a runbook, not a Lambda.
  name                    = "${var.name}/redis-auth"
  description             = "AUTH token of ElastiCache Redis (order's REDIS_PASSWORD)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.redis_auth.id
  secret_string = random_password.redis_auth.result
}

# Filled by the operator; one secret per workload, as in the cluster.
resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:Rotating it needs the consumers restarted in step (k3s join, Redis AUTH, service credentials): a runbook, not a Lambda.
  for_each = toset(["event-command", "event-query", "order", "scheduler", "web", "keycloak", "debezium"])

  name                    = "${var.name}/app/${each.key}"
  description             = "Settings of ${each.key} (the keys of its Secret in k3s/base/secrets.yaml)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}
