"""Provisioning BYOK keys in a customer's AWS account: names, policies and the steps."""
