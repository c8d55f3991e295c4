package io.livesync.core.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merged upstream pages leave the leader where the pages one by one would, with one rebase instead of several. */
class PullPagesTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id"))).build();
    private final LeaderLogic logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).backendPushBatchSize(10).build());

    private static Event foreign(long global) {
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "todo",
                JsonNodeFactory.instance.objectNode().put("id", "B" + global), "B", "sb");
    }

    private static List<Event> foreign(long from, long to) {
        List<Event> events = new ArrayList<>();
        for (long g = from; g <= to; g++) {
            events.add(foreign(g));
        }
        return events;
    }

    /** A connected, caught-up leader with {@code k} pending local events and a push of the first ones in flight. */
    private LeaderState withPending(int k) {
        LeaderState s = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        s = logic.step(s, new LeaderInput.Start(), 0).state();
        s = logic.step(s, new LeaderInput.Connected(), 0).state();
        s = logic.step(s, new LeaderInput.PullPage(s.activePullId(), List.of(), PageInfo.NO_MORE, "b1"), 0).state();
        List<Event> events = new ArrayList<>();
        EventSeq head = s.sync().localHead();
        for (int i = 0; i < k; i++) {
            EventSeq.SeqPair pair = head.next(false);
            events.add(Event.of(pair.seq(), pair.parent(), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "A" + i), "A", "sa"));
            head = pair.seq();
        }
        return logic.step(s, new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, events))), 0).state();
    }

    private static List<String> positions(List<Event> events) {
        return events.stream().map(e -> e.seq().global() + "." + e.seq().client() + ":" + e.args().path("id").asText())
                .toList();
    }

    @Test
    void threePagesMergedRebaseOnceAndEndWhereThePagesOneByOneEnd() {
        LeaderState start = withPending(25);
        long pull = start.activePullId();
        List<LeaderInput.PullPage> pages = List.of(
                new LeaderInput.PullPage(pull, foreign(1, 100), new PageInfo.MoreKnown(150), "b1"),
                new LeaderInput.PullPage(pull, foreign(101, 200), new PageInfo.MoreKnown(50), "b1"),
                new LeaderInput.PullPage(pull, foreign(201, 250), PageInfo.NO_MORE, "b1"));

        LeaderState oneByOne = start;
        int rebases = 0;
        for (LeaderInput.PullPage page : pages) {
            LeaderLogic.Step step = logic.step(oneByOne, page, 0);
            oneByOne = step.state();
            rebases += (int) step.effects().stream()
                    .filter(e -> e instanceof LeaderEffect.Persist p && !p.rollback().isEmpty()).count();
        }
        LeaderLogic.Step merged = logic.step(start, PullPages.merge(pages), 0);

        assertThat(rebases).isEqualTo(3);
        assertThat(merged.effects()).filteredOn(e -> e instanceof LeaderEffect.Persist p && !p.rollback().isEmpty())
                .hasSize(1);
        assertThat(merged.state().sync().upstreamHead().global()).isEqualTo(250)
                .isEqualTo(oneByOne.sync().upstreamHead().global());
        assertThat(positions(merged.state().sync().pending())).isEqualTo(positions(oneByOne.sync().pending()))
                .hasSize(25).first().isEqualTo("251.0:A0");
        assertThat(merged.state().caughtUp()).isEqualTo(oneByOne.caughtUp()).isTrue();
        assertThat(merged.state().push().label()).isEqualTo(oneByOne.push().label());
    }

    @Test
    void caughtUpIsStickyAndPagesOfOtherPullsOrBackendsNeverMerge() {
        LeaderInput.PullPage a = new LeaderInput.PullPage(7, foreign(1, 1), PageInfo.NO_MORE, "b1");
        LeaderInput.PullPage b = new LeaderInput.PullPage(7, foreign(2, 2), new PageInfo.MoreUnknown(), "b1");
        LeaderInput.PullPage merged = PullPages.merge(List.of(a, b));
        assertThat(merged.pageInfo()).isEqualTo(PageInfo.NO_MORE);
        assertThat(merged.events()).hasSize(2);
        assertThat(PullPages.merge(List.of(b))).isSameAs(b);
        assertThat(PullPages.canMerge(a, new LeaderInput.PullPage(8, List.of(), PageInfo.NO_MORE, "b1"))).isFalse();
        assertThat(PullPages.canMerge(a, new LeaderInput.PullPage(7, List.of(), PageInfo.NO_MORE, null))).isFalse();
        assertThatThrownBy(() -> PullPages.merge(List.of(a, new LeaderInput.PullPage(8, List.of(),
                PageInfo.NO_MORE, "b1")))).isInstanceOf(IllegalArgumentException.class);
    }
}
