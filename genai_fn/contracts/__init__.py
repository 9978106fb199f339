"""Wire contracts: each turns its JSON into the internal chat model and renders replies and errors its own way."""
