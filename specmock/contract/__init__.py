"""Working with a contract as a whole, offline: what changed between two versions (diff),
whether what a team wrote still fits it (check), and where hand-written code starts
(scaffold)."""
