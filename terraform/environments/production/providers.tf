provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "ticketly"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
