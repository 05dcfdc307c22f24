"""hfpapers: Hugging Face Daily Papers to a Korean Jekyll post."""
