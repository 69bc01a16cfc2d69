package org.llmgine.bus.benchmarks.harness;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-size set of non-negative longs below a bound, safe for concurrent use: the chaos
 * scenario marks every event it saw accepted, handled, dropped or returned by its sequence number.
 */
final class ConcurrentBitSet {

    private final AtomicLongArray words;
    private final long size;

    /**
     * Creates an empty set.
     *
     * @param size the bound: members are in {@code [0, size)}
     */
    ConcurrentBitSet(long size) {
        this.size = size;
        this.words = new AtomicLongArray((int) ((size + 63) >>> 6));
    }

    /**
     * Adds a member.
     *
     * @param index the member
     * @return true if it was not yet a member
     * @throws IndexOutOfBoundsException outside {@code [0, size)}
     */
    boolean add(long index) {
        check(index);
        int word = (int) (index >>> 6);
        long bit = 1L << (index & 63);
        long old = words.getAndUpdate(word, w -> w | bit);
        return (old & bit) == 0;
    }

    /**
     * Tells whether a number is a member.
     *
     * @param index the number
     * @return true if it was added
     */
    boolean contains(long index) {
        check(index);
        return (words.get((int) (index >>> 6)) & (1L << (index & 63))) != 0;
    }

    /**
     * Counts the members.
     *
     * @return how many numbers were added
     */
    long count() {
        long n = 0;
        for (int i = 0; i < words.length(); i++) {
            n += Long.bitCount(words.get(i));
        }
        return n;
    }

    private void check(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + size + ")");
        }
    }
}
