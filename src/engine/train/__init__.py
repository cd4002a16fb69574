"""The training subprocess: RunConfig, model loading, tokenisation, the HF/TRL trainer."""
