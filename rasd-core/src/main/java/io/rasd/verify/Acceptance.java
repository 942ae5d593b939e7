package io.rasd.verify;

/**
 * The result of verifying a token tree: the accepted nodes below the root (root-to-leaf order) and the bonus token
 * the target chose after the last of them; -1 when nothing may follow the last of them (constrained decoding: a
 * complete document and no end-of-sequence token), which only happens where the output ends.
 */
public record Acceptance(int[] acceptedNodes, int bonusToken) {

    public Acceptance {
        acceptedNodes = acceptedNodes.clone();
    }

    @Override
    public int[] acceptedNodes() {
        return acceptedNodes.clone();
    }

    public int acceptedCount() {
        return acceptedNodes.length;
    }
}
