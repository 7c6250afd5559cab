"""Reference solutions for the gradient-descent kata (instructors' answer key)."""
