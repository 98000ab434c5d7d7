"""ROM images: mappers (PC offset <-> SNES address), headers, checksums."""
