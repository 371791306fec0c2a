"""Understanding CLIP: a documentation site generated from the CLIP model itself."""
