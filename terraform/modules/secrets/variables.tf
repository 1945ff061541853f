variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 14
}
