terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Remote state in S3 with a lock (partial configuration: the bucket and its settings come
  # from backend.hcl, see backend.hcl.example): terraform init -backend-config=backend.hcl
  backend "s3" {}
}
