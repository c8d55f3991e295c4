package io.livesync.simulator;

import io.livesync.core.RebuildDecision;
import io.livesync.core.leader.LeaderInput;
import io.livesync.core.leader.LeaderLogic;
import io.livesync.core.leader.LeaderShell;
import io.livesync.core.leader.LeaderState;
import io.livesync.core.transport.ConnectionLifecycle;
import io.livesync.hub.StoreHub;

/**
 * The shipped components a simulation runs: the transport's connection lifecycle, the leader's effect interpreter,
 * the server's hub, and whether clients cut their pushes to the server's limits. {@link #SHIPPED} is what every sweep uses; tests build
 * broken variants (each re-introducing a shell bug that was fixed) to prove that a seeded sweep finds them.
 *
 * @param transport one step of a client's connection lifecycle
 * @param leader builds a client's leader interpreter over the simulator's ports
 * @param hub builds a server instance's hub from its configured builder
 * @param rebuild what a client that opens its file decides about its state (the shipped {@link RebuildDecision})
 * @param clientsKnowServerLimits whether clients are configured with the server's push limits (the shipped client
 *     learns them from its backend); a client that knows them must never be refused for size
 */
record SimComponents(Transport transport, LeaderFactory leader, HubFactory hub, Rebuilds rebuild,
        boolean clientsKnowServerLimits) {

    /** One step of the connection state machine. */
    interface Transport {
        ConnectionLifecycle.Step step(ConnectionLifecycle.State state, ConnectionLifecycle.Input input, long now);
    }

    /** A leader effect interpreter. */
    interface Interpreter {
        LeaderShell.Outcome handle(LeaderInput input, long now);
    }

    /** Builds a leader interpreter. */
    interface LeaderFactory {
        Interpreter create(LeaderLogic logic, LeaderState initial, LeaderShell.Ports ports);
    }

    /** Builds a server instance's hub. */
    interface HubFactory {
        StoreHub create(StoreHub.Builder configured);
    }

    /** The decision a client's open makes about its state tables. */
    interface Rebuilds {
        RebuildDecision decide(String stored, String current, long logSize, java.util.Set<String> deferred,
                java.util.function.Predicate<String> known);
    }

    /** How often a simulated transport pings, and its reconnect backoff. */
    static final long PING_MILLIS = 1000;
    static final ConnectionLifecycle LIFECYCLE = new ConnectionLifecycle(PING_MILLIS, 200, 2000);

    static final SimComponents SHIPPED = new SimComponents(LIFECYCLE::step,
            (logic, initial, ports) -> new LeaderShell(logic, initial, ports)::handle, StoreHub.Builder::build, RebuildDecision::decide, true);

    SimComponents withTransport(Transport t) {
        return new SimComponents(t, leader, hub, rebuild, clientsKnowServerLimits);
    }

    SimComponents withLeader(LeaderFactory f) {
        return new SimComponents(transport, f, hub, rebuild, clientsKnowServerLimits);
    }

    SimComponents withHub(HubFactory h) {
        return new SimComponents(transport, leader, h, rebuild, clientsKnowServerLimits);
    }

    SimComponents withRebuilds(Rebuilds r) {
        return new SimComponents(transport, leader, hub, r, clientsKnowServerLimits);
    }

    SimComponents withClientsKnowingServerLimits(boolean know) {
        return new SimComponents(transport, leader, hub, rebuild, know);
    }
}
