package jmssuite;

/** One behaviour to check against a broker; it throws to report a failure. */
@FunctionalInterface
interface Scenario {
    void run(Ctx c) throws Exception;
}
