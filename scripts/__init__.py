"""Scripts for people working on hfpapers; a package so the tests can import them."""
