"""Type inference: the type lattice, `typeof` of runtime values, typing rules and the annotator."""
