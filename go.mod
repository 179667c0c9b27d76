module ratchat

go 1.26.8

require filippo.io/edwards25519 v1.2.0
