package io.livesync.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.wire.WireFrames.PullResponse;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the hub and the in-memory store found by a review of the hub's extraction (2026-12-02): each
 * failed before its fix.
 */
class StoreHubAndInMemoryStoreEdgeCasesTest {

    static Event ev(long seq) {
        return Event.of(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(seq - 1), "v1.TodoCreated",
                JsonNodeFactory.instance.objectNode().put("id", "t" + seq), "client", "session");
    }

    static void push(StoreHub hub, long seq) {
        assertThat(hub.push("s", List.of(ev(seq)), null, null, null)).isInstanceOf(StoreHub.PushResult.Accepted.class);
    }

    static class RecordingSink implements StoreHub.Sink {
        final List<Long> got = new ArrayList<>();
        final List<String> backendIds = new ArrayList<>();
        public void page(PullResponse r) {
            r.batch().forEach(e -> got.add(e.seq().global()));
            backendIds.add(r.backendId());
        }
        public void failed(WireError error) {}
        public void ended() {}
    }

    static final class CountingCounters implements StoreHub.Counters {
        final AtomicInteger live = new AtomicInteger();
        public void liveSubscribers(int delta) { live.addAndGet(delta); }
        public void pushRefused(String storeId) {}
    }

    /** A Subscription cancelled before its REGISTER step is still added to the live list, forever. */
    @Test
    void aPullCancelledBeforeItRegistersNeverBecomesLive() {
        CountingCounters counters = new CountingCounters();
        StoreHub hub = StoreHub.builder(new InMemoryEventStore()).counters(counters).build();
        RecordingSink sink = new RecordingSink();
        StoreHub.Pull pull = hub.startPull("s", 0, null, true, sink, null);
        pull.subscription().cancel(); // the connection closes before the first step ran
        while (pull.step()) { }
        push(hub, 1);
        push(hub, 2);
        System.out.println("[hub] live=" + hub.state("s").live.size() + " counter=" + counters.live.get()
                + " delivered after cancel=" + sink.got);
        assertThat(hub.state("s").live).isEmpty();         
        assertThat(counters.live.get()).isZero();           
        assertThat(sink.got).isEmpty();                     
    }

    /** A catch-up whose read throws leaves the live registration behind: the caller never gets the Subscription. */
    @Test
    void aCatchUpThatThrowsLeavesNoLivePullBehind() {
        InMemoryEventStore mem = new InMemoryEventStore();
        for (long i = 1; i <= 5; i++) {
            mem.append("s", List.of(ev(i)), "2026-01-01T00:00:00Z");
        }
        boolean[] fail = {true};
        EventStore flaky = new EventStore() {
            public StoreMeta meta(String s) { return mem.meta(s); }
            public AppendOutcome append(String s, List<Event> b, String c, String x) { return mem.append(s, b, c, x); }
            public List<Event> read(String s, long a, long u, int l) {
                if (fail[0]) { fail[0] = false; throw new IllegalStateException("database hiccup"); }
                return mem.read(s, a, u, l);
            }
            public StoreMeta reset(String s) { return mem.reset(s); }
            public List<StoreStats> stores() { return mem.stores(); }
            public ImportOutcome importInto(String s, java.util.Iterator<Event> e) { return mem.importInto(s, e); }
            public boolean exists(String s) { return mem.exists(s); }
            public boolean delete(String s) { return mem.delete(s); }
            public long eventCount() { return mem.eventCount(); }
            public String describe() { return "flaky"; }
            public void close() {}
        };
        CountingCounters counters = new CountingCounters();
        StoreHub hub = StoreHub.builder(flaky).counters(counters).maxLiveSubscribersPerStore(1).build();
        assertThatThrownBy(() -> hub.subscribe("s", 0, null, true, new RecordingSink()))
                .hasMessageContaining("hiccup"); // WsConnection: logs pull-failed, closes the socket; has no sub to cancel
        System.out.println("[hub] after failed subscribe: live=" + hub.state("s").live.size() + " counter="
                + counters.live.get());
        assertThat(counters.live.get()).isZero();
        assertThat(hub.state("s").live).isEmpty();
        // the client reconnects and pulls again: served (the store is not 'full' of a dead pull)
        RecordingSink again = new RecordingSink();
        hub.subscribe("s", 0, null, true, again);
        assertThat(again.got).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void inMemoryReadsBeyondIntRangeFindNothing() {
        InMemoryEventStore mem = new InMemoryEventStore();
        for (long i = 1; i <= 3; i++) {
            mem.append("s", List.of(ev(i)), "2026-01-01T00:00:00Z");
        }
        assertThat(mem.read("s", 0, Long.MAX_VALUE, Integer.MAX_VALUE)).hasSize(3);
        List<Event> wrapped = mem.read("s", 1L << 32, Long.MAX_VALUE, 10);
        System.out.println("[hub] read(after=2^32) returned " + wrapped.size() + " events");
        assertThat(mem.read("s", 1L << 31, Long.MAX_VALUE, 10)).isEmpty();
        assertThat(wrapped).isEmpty(); // contract: after < seq
        assertThat(mem.read("s", 1, 2, 10)).extracting(e -> e.seq().global()).containsExactly(2L);
    }

    @Test
    void aDeleteThroughOneInstanceIsAnnouncedToTheOthers() {
        InMemoryEventStore mem = new InMemoryEventStore();
        List<String> heard = new ArrayList<>();
        InMemoryEventStore.Instance a = mem.instance((i, s, h, b) -> heard.add(s + "@" + h + "/" + b));
        a.append("s", List.of(ev(1)), "2026-01-01T00:00:00Z");
        heard.clear();
        assertThat(a.delete("s")).isTrue();
        System.out.println("[hub] announcements of delete: " + heard);
        assertThat(heard).isNotEmpty();
    }

    @Test
    void importedEventsGetACreatedAtAsInTheSqlStores() {
        InMemoryEventStore mem = new InMemoryEventStore();
        mem.importInto("s", List.of(ev(1), ev(2)).iterator());
        Event read = mem.read("s", 0, 10, 10).getFirst();
        System.out.println("[hub] imported meta=" + read.meta() + " lastPushAt=" + mem.stores().getFirst().lastPushAt());
        assertThat(EventStore.createdAt(read, null)).isNotNull();
    }

    /** A pull catching up across a reset fails (backend id mismatch) instead of streaming the new log as the old. */
    @Test
    void aCatchUpAcrossAResetFailsInsteadOfMixingTheTwoLogs() {
        InMemoryEventStore mem = new InMemoryEventStore();
        StoreHub hub = StoreHub.builder(mem).pageSize(1).build();
        for (long i = 1; i <= 3; i++) {
            push(hub, i);
        }
        String oldId = hub.backendId("s");
        List<WireError> failures = new ArrayList<>();
        RecordingSink sink = new RecordingSink() {
            @Override
            public void failed(WireError error) {
                failures.add(error);
            }
        };
        StoreHub.Pull pull = hub.startPull("s", 0, null, false, sink, null);
        pull.step(); // register: upTo = 3
        pull.step(); // page e1 (old log)
        hub.reset("s");
        hub.push("s", List.of(Event.of(EventSeq.ofGlobal(1), EventSeq.ofGlobal(0), "v1.Other",
                JsonNodeFactory.instance.objectNode().put("id", "new"), "x", "y")), null, null, null);
        while (pull.step()) { }
        assertThat(sink.got).containsExactly(1L);
        assertThat(sink.backendIds).containsOnly(oldId);
        assertThat(failures).singleElement().isInstanceOfSatisfying(
                io.livesync.core.wire.WireFrames.BackendIdMismatchError.class,
                e -> assertThat(e.expected()).isEqualTo(hub.backendId("s")));
    }

    /** Pre-existing: an announcement made before a reset, delivered after this instance already follows the new
     *  store, is taken for a (new) remote reset: live pulls cancelled, every socket of the store closed. */
    @Test
    void aLateAnnouncementFromBeforeAResetDoesNotDropTheNewStoresClients() {
        InMemoryEventStore db = new InMemoryEventStore();
        java.util.ArrayDeque<Runnable> toA = new java.util.ArrayDeque<>();
        InMemoryEventStore.Instance[] a = new InMemoryEventStore.Instance[1];
        InMemoryEventStore.Instance b = db.instance((i, s, h, id) -> toA.add(() -> a[0].announce(s, h, id)));
        a[0] = db.instance((i, s, h, id) -> {});
        StoreHub hubA = StoreHub.builder(a[0]).build();
        StoreHub hubB = StoreHub.builder(b).build();
        hubA.head("s"); hubA.backendId("s"); // A follows s
        push(hubB, 1);                       // announced to A, still in flight
        hubA.reset("s");                     // an admin resets s through A
        RecordingSink sink = new RecordingSink();
        StoreHub.Subscription sub = hubA.subscribe("s", 0, null, true, sink); // a client of the NEW store
        List<String> dropped = new ArrayList<>();
        hubA.onRemoteReset(dropped::add);
        while (!toA.isEmpty()) toA.poll().run(); // the old announcement (head 1, old backend id) arrives
        System.out.println("[hub] sockets dropped for: " + dropped + "; live pulls now " + hubA.state("s").live.size());
        assertThat(dropped).isEmpty();
        assertThat(hubA.state("s").live).containsExactly(sub);
        // and a real reset through B is still recognized
        hubB.reset("s");
        push(hubB, 1);
        while (!toA.isEmpty()) toA.poll().run();
        assertThat(dropped).containsExactly("s");
    }
}
