"""The spec side: load, check and compile contracts into a Plan."""
