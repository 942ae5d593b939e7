/**
 * EAGLE draft heads (issue #17): a one-layer head that drafts from the target's own last hidden state instead of a
 * separate small LM. {@link io.rasd.draft.eagle.EagleHeadFormat} checks a head directory against the target before
 * anything is loaded, in the layout of SafeAILab/EAGLE's {@code eagle/model/cnets1.py} (EAGLE-1 and EAGLE-2 share
 * these weights; EAGLE-2 only changes how the tree grows).
 *
 * <p>Reference fixtures: {@code testdata/eagle/} (made by {@code tools/fixtures/make_eagle_fixtures.py}; see the
 * README beside it).
 */
package io.rasd.draft.eagle;
