package io.rasd.cli;

import io.rasd.RasdException;

final class PromptIds {

    private PromptIds() {}

    /** {@code "1,2,3"} to ids, with a message that points at the bad element. */
    static int[] parse(String csv) {
        String[] parts = csv.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new RasdException("--prompt-ids: element " + (i + 1) + " (\"" + parts[i]
                        + "\") is not an integer; expected comma-separated token ids like 1,2,3");
            }
            if (ids[i] < 0) {
                throw new RasdException("--prompt-ids: token id " + ids[i] + " is negative");
            }
        }
        return ids;
    }
}
