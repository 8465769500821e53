"""The Jobs section: provisioning jobs, their progress and step journal."""
