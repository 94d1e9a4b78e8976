"""Photos and files: the upload pipeline, private storage and signed URLs."""
