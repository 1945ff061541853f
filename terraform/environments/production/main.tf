# Ticketly's production environment on AWS: the network, the k3s cluster, the managed data
# tier, the public edge and the secrets, wired from the modules. The workloads are applied
# to the cluster with k3s/overlays/aws (terraform/README.md).

locals {
  name = "ticketly-${var.environment}"
}

module "secrets" {
  source = "../../modules/secrets"
  name   = local.name
}

module "network" {
  source      = "../../modules/network"
  name        = local.name
  cidr        = var.vpc_cidr
  azs         = var.azs
  kms_key_arn = module.secrets.kms_key_arn
}

module "security" {
  source   = "../../modules/security"
  name     = local.name
  vpc_id   = module.network.vpc_id
  vpc_cidr = module.network.vpc_cidr
}

module "data" {
  source             = "../../modules/data"
  name               = local.name
  private_subnet_ids = module.network.private_subnet_ids
  rds_sg_id          = module.security.rds_sg_id
  redis_sg_id        = module.security.redis_sg_id
  kms_key_arn        = module.secrets.kms_key_arn
  redis_auth_token   = module.secrets.redis_auth_token
  images_bucket_name = var.images_bucket_name
}

module "edge" {
  source            = "../../modules/edge"
  name              = local.name
  vpc_id            = module.network.vpc_id
  public_subnet_ids = module.network.public_subnet_ids
  alb_sg_id         = module.security.alb_sg_id
  certificate_arn   = var.certificate_arn
  kms_key_arn       = module.secrets.kms_key_arn
}

module "k3s" {
  source               = "../../modules/k3s"
  name                 = local.name
  ami_id               = var.node_ami_id
  private_subnet_ids   = module.network.private_subnet_ids
  nodes_sg_id          = module.security.nodes_sg_id
  target_group_arn     = module.edge.target_group_arn
  kms_key_arn          = module.secrets.kms_key_arn
  k3s_token_secret_arn = module.secrets.k3s_token_secret_arn
  app_secret_arns      = values(module.secrets.app_secret_arns)
  images_bucket_arn    = module.data.images_bucket_arn
  agent_min            = var.agent_min
  agent_max            = var.agent_max
}
