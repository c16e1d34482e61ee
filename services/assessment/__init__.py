"""Assessment: software proposes a tier with its reasons; the crisis team decides."""
