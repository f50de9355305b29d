"""Parties on a case: the client and co-borrowers, adverse parties, others; servicer aliases; marked conflicts."""
