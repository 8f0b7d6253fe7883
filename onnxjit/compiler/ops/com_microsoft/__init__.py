"""Op modules of this domain, one file per op. Not imported here: the registry imports a file when
its op is first looked up (`registry.lookup`), or all of them (`registry.registered`)."""
