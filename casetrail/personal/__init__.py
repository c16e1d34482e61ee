"""Students' personal data at rest under a data key of each student's, and their erasure by
deleting that key (crypto-shredding): the trail stays, its personal fields no longer open."""
