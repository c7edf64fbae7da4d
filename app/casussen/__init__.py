"""The casus library: fictional cases that a denksessie puts before its participants."""
