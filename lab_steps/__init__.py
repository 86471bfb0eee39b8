"""The labs: one folder each, holding the lab's spec (lab.toml), stages and reference solutions."""
