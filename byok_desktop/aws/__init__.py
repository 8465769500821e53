"""AWS through boto3: connections, error classification, caller identity, the sandbox.

boto3 is imported lazily: start-up and offline drafting never pay for it.
"""
