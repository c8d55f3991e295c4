package io.livesync.core.leader;

/**
 * Counters of what a leader did, for {@code syncStatus()}, logs and metrics. {@code rebasesDeferred} counts upstream
 * pages whose (diverging) application was deferred by the rebase deferral of {@link LeaderConfig#rebaseDeferral()}:
 * each is a rebase of the whole backlog that was not run on its own. {@code pushesPipelined} counts pushes sent while
 * another was in flight (a window of chained pushes, {@link LeaderConfig#pushWindow()}); they are in
 * {@code pushesSent} too.
 */
public record LeaderStats(
        long pushesSent,
        long pushesAccepted,
        long pushErrors,
        long pullAdvances,
        long pullRebases,
        long loopParks,
        long loopResumes,
        long stallsSuspected,
        long localPushesRejected,
        long protocolErrors,
        long rebasesDeferred,
        long pushesPipelined) {

    public static final LeaderStats ZERO = new LeaderStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    LeaderStats sent() {
        return new LeaderStats(pushesSent + 1, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats accepted() {
        return new LeaderStats(pushesSent, pushesAccepted + 1, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats pushError() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors + 1, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats advance() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances + 1, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats rebase() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases + 1, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats park() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks + 1,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats resume() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes + 1, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats stall() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected + 1, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats localReject() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected + 1, protocolErrors, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats protocolError() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors + 1, rebasesDeferred,
                pushesPipelined);
    }

    LeaderStats deferred() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred + 1,
                pushesPipelined);
    }

    LeaderStats pipelined() {
        return new LeaderStats(pushesSent, pushesAccepted, pushErrors, pullAdvances, pullRebases, loopParks,
                loopResumes, stallsSuspected, localPushesRejected, protocolErrors, rebasesDeferred,
                pushesPipelined + 1);
    }
}
