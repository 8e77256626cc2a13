package jmssuite;

/** Thrown by a scenario that cannot mean anything against the broker under test. */
final class Skip extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Skip(String reason) {
        super(reason);
    }
}
