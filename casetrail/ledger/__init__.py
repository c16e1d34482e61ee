"""Each service's log committed to a signed Merkle tree (trailproof), and the check that the
store, the checkpoints and the bus still agree."""
