package io.livesync.simulator;

import io.livesync.core.leader.LeaderEffect;
import io.livesync.core.leader.LeaderInput;
import io.livesync.core.leader.LeaderShell;
import io.livesync.core.leader.LeaderState;

/** Ports that forward every effect; a broken variant overrides the one it breaks. */
class ForwardingPorts implements LeaderShell.Ports {
    private final LeaderShell.Ports to;

    ForwardingPorts(LeaderShell.Ports to) {
        this.to = to;
    }

    @Override
    public void persist(LeaderEffect.Persist persist) {
        to.persist(persist);
    }

    @Override
    public void resetLocal(LeaderEffect.ResetLocal reset) {
        to.resetLocal(reset);
    }

    @Override
    public void published(LeaderState before, LeaderState after, LeaderInput input) {
        to.published(before, after, input);
    }

    @Override
    public void sendPush(LeaderEffect.SendPush send) {
        to.sendPush(send);
    }

    @Override
    public void startPull(LeaderEffect.StartPull pull) {
        to.startPull(pull);
    }

    @Override
    public void notifySessions(LeaderEffect.NotifySessions notify) {
        to.notifySessions(notify);
    }

    @Override
    public void completeLocalPush(LeaderEffect.CompleteLocalPush complete) {
        to.completeLocalPush(complete);
    }

    @Override
    public void setTimer(LeaderEffect.SetTimer timer) {
        to.setTimer(timer);
    }

    @Override
    public void reportRefused(LeaderEffect.ReportRefused refused) {
        to.reportRefused(refused);
    }

    @Override
    public void log(LeaderState state, LeaderEffect.Log log) {
        to.log(state, log);
    }
}
