"""The incident report's words in English and Chinese: its labels, and every code it shows
(event types, stages, roles, receivers, answers) translated. A code with no entry is shown
as the code itself."""

from __future__ import annotations

from collections.abc import Mapping

# code -> (en, zh)
Words = Mapping[str, tuple[str, str]]

UI: Words = {
    "title": ("Incident report", "事件报告"),
    "case": ("Case", "个案"),
    "student": ("Student (pseudonym)", "学生（化名）"),
    "as_of": ("Record as of", "记录截至"),
    "tier": ("Tier", "风险等级"),
    "generated": ("Built from the CASES stream alone; names are never shown.",
                  "仅依据 CASES 事件流生成；不显示任何姓名。"),
    "summary": ("Summary", "概要"),
    "events": ("Events", "事件数"),
    "breaches": ("Breaches", "超时"),
    "disclosures": ("Disclosures", "信息披露"),
    "reads": ("Reads", "查阅记录"),
    "verification": ("Verification", "完整性验证"),
    "chart": ("Timeline", "时间线图"),
    "stages": ("Stages and time from detection", "各阶段及距发现的时间"),
    "stage": ("Stage", "阶段"),
    "reached": ("Reached", "到达时间"),
    "since": ("Since detection", "距发现"),
    "deadlines": ("Policy times", "政策时限"),
    "check": ("Check", "检查项"),
    "subject": ("For", "对象"),
    "started": ("Started", "开始"),
    "due": ("Due", "截止"),
    "allowed": ("Allowed", "时限"),
    "taken": ("Taken", "实际用时"),
    "done": ("Met", "完成"),
    "status": ("Status", "状态"),
    "breach": ("BREACH", "超时"),
    "on_time": ("on time", "按时"),
    "not_yet": ("not met", "未完成"),
    "decisions": ("Tier decisions", "风险等级研判"),
    "decided_by": ("Decided by", "决定人"),
    "proposed": ("Proposed", "系统建议"),
    "overrides": ("Overrides the proposal", "推翻建议"),
    "participants": ("Participants", "参与者"),
    "external": ("External participants", "外部参与者"),
    "rationale": ("Rationale (proposal codes)", "依据（建议理由代码）"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "handoffs": ("Handoffs and disclosures", "移交与信息披露"),
    "when": ("When", "时间"),
    "to": ("To", "接收方"),
    "by": ("By", "操作人"),
    "what": ("What", "内容"),
    "basis": ("Basis", "依据"),
    "answers": ("Answers", "回复"),
    "channel": ("Channel", "渠道"),
    "who": ("Who", "查阅人"),
    "service": ("Service", "服务"),
    "purpose": ("Purpose", "目的"),
    "timeline": ("Timeline of events", "事件时间线"),
    "event": ("Event", "事件"),
    "actor": ("Actor", "执行者"),
    "verdict_passed": ("Verified: no finding", "验证通过：未发现问题"),
    "verdict_failed": ("Verification found problems", "验证发现问题"),
    "verdict_no_key": ("Not verified: the checkpoints could not be checked",
                       "未验证：无法核验检查点"),
    "verdict_unreadable": ("Not verified: the bus could not be read",
                           "未验证：无法读取消息总线"),
    "note_no_key": ("No verifier key of the services' logs is pinned for supervision "
                    "(SUPERVISION_LEDGER_KEYS_FILE), so the signed checkpoints could not be "
                    "checked and nothing in this report is verified.",
                    "督导服务未固定任何服务日志的验证公钥（SUPERVISION_LEDGER_KEYS_FILE），"
                    "因此无法核验签名检查点，本报告的内容均未经验证。"),
    "note_unreadable": ("CASES or CHECKPOINTS could not be read when this report was made: "
                        "nothing in it is verified. Ask for the report again.",
                        "生成本报告时无法读取 CASES 或 CHECKPOINTS，本报告的内容均未经验证。"
                        "请重新获取报告。"),
    "scope_note": ("Checked from the bus alone: every event of this case on CASES against the "
                   "services' signed checkpoints on CHECKPOINTS, and the checkpoints' own "
                   "signatures (pinned keys) and consistency.",
                   "仅依据消息总线核验：本案在 CASES 上的每个事件均与各服务在 CHECKPOINTS "
                   "上签名的检查点逐一比对，并核验检查点本身的签名（固定公钥）与前后一致性。"),
    "stores_not_compared": ("The services' own stores were not compared: `casetrail verify "
                            "--case` does that, reading each service's store with an "
                            "auditor's token.",
                            "未与各服务自身的存储比对：如需比对，请运行 "
                            "`casetrail verify --case`（以审计员令牌读取各服务的存储）。"),
    "pending": ("Not in a checkpoint yet", "尚未纳入检查点"),
    "unverified": ("not verified here", "本报告未验证"),
    "unverified_note": ("This report was built without checking the trail: run "
                        "`casetrail verify --case` for its verification.",
                        "本报告生成时未验证记录完整性："
                        "请运行 `casetrail verify --case` 进行验证。"),
    "checked": ("Events checked", "已验证事件"),
    "checkpoints": ("Signed checkpoints", "签名检查点"),
    "findings": ("Findings", "发现"),
    "none": ("none", "无"),
    "deadline": ("policy deadline", "政策截止"),
    "met_late": ("met late", "逾期完成"),
    "met": ("met", "按时完成"),
    "days": ("d", "天"),
    "hours": ("h", "小时"),
    "minutes": ("min", "分钟"),
}

EVENTS: Words = {
    "AuthorityReportDispatched": ("Authority report sent", "已向主管部门报告"),
    "AuthorityReportFailed": ("Authority report failed", "向主管部门报告失败"),
    "AuthorityReportIssued": ("Authority report due", "需向主管部门报告"),
    "BreakGlassAlertDispatched": ("Break-glass alert sent", "紧急访问提醒已发送"),
    "BreakGlassAlertFailed": ("Break-glass alert failed", "紧急访问提醒发送失败"),
    "BreakGlassAlertIssued": ("Break-glass alert issued", "紧急访问提醒"),
    "BreakGlassOpened": ("Break-glass access opened", "紧急访问开启"),
    "CaseAssigned": ("Case assigned", "个案已分派"),
    "CaseClosed": ("Case closed", "个案结案"),
    "CaseDetected": ("Case detected", "发现个案"),
    "CaseReopened": ("Case reopened", "个案重新开启"),
    "CaseViewed": ("Case record read", "查阅个案记录"),
    "ChecklistItemDone": ("Emergency checklist item done", "应急清单项完成"),
    "ConsentRecorded": ("Guardian consent recorded", "监护人同意已记录"),
    "ConsentWithdrawn": ("Guardian consent withdrawn", "监护人撤回同意"),
    "CrisisPathStarted": ("Crisis path started (imminent danger)", "启动危机流程（紧急危险）"),
    "EscalationDispatched": ("Escalation sent", "升级通知已发送"),
    "EscalationFailed": ("Escalation failed", "升级通知失败"),
    "FollowUpOverdue": ("Follow-up overdue", "跟踪逾期"),
    "FollowUpRecorded": ("Follow-up recorded", "跟踪记录"),
    "FollowUpsScheduled": ("Follow-ups scheduled", "跟踪计划已安排"),
    "GuardianAcknowledged": ("Guardian acknowledged", "监护人已确认"),
    "GuardianCalled": ("Guardian phoned", "电话联系监护人"),
    "GuardianNoticeDispatched": ("Guardian notice sent", "监护人通知已发送"),
    "GuardianNoticeFailed": ("Guardian notice failed", "监护人通知失败"),
    "GuardianNoticeIssued": ("Guardian notice issued", "生成监护人通知"),
    "HomeVisitDue": ("Home visit due", "需家访"),
    "HomeVisitRecorded": ("Home visit recorded", "家访记录"),
    "IncidentReported": ("Incident reported", "突发事件报告"),
    "InstrumentScored": ("Instrument scored", "量表计分"),
    "InterventionPlanRecorded": ("Intervention plan recorded", "干预方案已记录"),
    "KeyConcernsConsidered": ("Key concerns considered", "重点关注因素已考虑"),
    "KeyConcernsNoted": ("Key concerns noted", "重点关注标记"),
    "NoticeEscalated": ("Notice escalated (no acknowledgement)", "通知升级（未获确认）"),
    "ReferralAnswered": ("Referral answered", "转介已回复"),
    "ReferralDelivered": ("Referral delivered", "转介材料已送达"),
    "ReferralDeliveryFailed": ("Referral delivery failed", "转介材料送达失败"),
    "ReferralMade": ("Referral made", "发起转介"),
    "ReferralUnanswered": ("Referral unanswered", "转介未获回复"),
    "ReferralReceived": ("Referral received by the receiver", "接收机构已收到转介"),
    "ReferralNoShow": ("Student did not attend", "学生未按预约就诊"),
    "ReferralFailed": ("Referral could not be completed", "转介未能完成"),
    "ReferralCancelled": ("Referral cancelled", "转介已取消"),
    "ReferralFeedbackGiven": ("Receiver's feedback given", "接收机构已反馈"),
    "ReportAcknowledged": ("Report acknowledged", "报告已接收"),
    "ReportAttached": ("Further report attached", "追加报告"),
    "ReportForwarded": ("Report forwarded up", "报告逐级上报"),
    "ReturnToSchoolPlanned": ("Return to school planned", "复学计划"),
    "StudentErased": ("Student's personal data erased", "学生个人信息已删除"),
    "TierDecided": ("Tier decided", "研判定级"),
    "TierNoted": ("Tier noted by referral", "转介服务记录等级"),
    "TierProposed": ("Tier proposed", "系统建议等级"),
    "TransferDisclosed": ("History sent to next school", "档案转至新学校"),
    "TransferReceived": ("History received from school", "接收原学校档案"),
}

STAGES: Words = {
    "detected": ("Detected", "发现"),
    "crisis-path": ("Crisis path", "危机流程"),
    "assessed": ("Assessed", "研判"),
    "family-notified": ("Family notified", "通知家长"),
    "acknowledged": ("Guardian acknowledged", "家长确认"),
    "referred": ("Referred", "转介"),
    "referral-accepted": ("Referral accepted", "转介接收"),
    "followed-up": ("Followed up", "跟踪"),
    "closed": ("Closed", "结案"),
}

CHECKS: Words = {
    "acknowledgement": ("Guardian acknowledgement", "家长确认"),
    "referral_answer": ("Receiver's answer", "接收方回复"),
    "follow_up": ("Follow-up", "跟踪"),
    "authority_report": ("Report to the authority", "向主管部门报告"),
}

CODES: Words = {
    # roles
    "class_teacher": ("class teacher", "班主任"),
    "subject_teacher": ("subject teacher", "任课教师"),
    "psych_monitor": ("class psych monitor", "班级心理委员"),
    "dorm_staff": ("dorm staff", "宿舍管理员"),
    "grade_leader": ("grade leader", "年级组长"),
    "psych_teacher": ("psychology teacher", "心理教师"),
    "crisis_team": ("crisis team", "危机干预小组"),
    "crisis_team_head": ("crisis team head", "危机干预小组组长"),
    "principal": ("principal", "校长"),
    "guardian": ("guardian", "监护人"),
    "peer": ("peer", "同学"),
    "student": ("student", "学生"),
    "hotline_operator": ("hotline operator", "热线接线员"),
    "receiver_liaison": ("receiver liaison", "接收机构联络人"),
    "auditor": ("auditor", "督导"),
    "system": ("system", "系统"),
    "faculty_leader": ("faculty leader", "院系负责人"),
    "external_professional": ("external professional", "外部专业人员"),
    "district_officer": ("district officer", "区教委人员"),
    # receivers and authorities
    "hospital_green_channel": ("hospital (green channel)", "医院（绿色通道）"),
    "district_guidance_centre": ("district guidance centre", "区心理辅导中心"),
    "police": ("police", "公安"),
    "school": ("next school", "转入学校"),
    "district_education_commission": ("district education commission", "区教委"),
    # tiers
    "none": ("none", "无"),
    "general": ("general", "一般"),
    "serious": ("serious", "较严重"),
    "crisis": ("crisis", "危机"),
    # bases
    "consent": ("guardian consent", "监护人同意"),
    "safety_override": ("safety override (no consent)", "安全优先（未经同意）"),
    "break_glass": ("break-glass", "紧急访问"),
    # answers
    "delivered": ("delivered", "已送达"),
    "delivery_failed": ("delivery failed", "送达失败"),
    "failed": ("failed", "失败"),
    "acknowledged": ("acknowledged", "已确认"),
    "escalated": ("escalated", "已升级"),
    "accepted": ("accepted", "已接收"),
    "declined": ("declined", "已拒绝"),
    "scheduled": ("scheduled", "已预约"),
    "admitted": ("admitted", "已收治"),
    "discharged": ("discharged", "已出院"),
    "unanswered": ("unanswered", "未回复"),
    "late": ("late", "逾期"),
    "call_reached": ("reached by phone", "电话已联系上"),
    "call_no_answer": ("no answer", "无人接听"),
    "call_wrong_number": ("wrong number", "号码错误"),
    "call_declined_to_talk": ("declined to talk", "拒绝沟通"),
    "no_capacity": ("no capacity", "无接收能力"),
    "out_of_area": ("out of area", "不在服务区域"),
    "not_indicated": ("not indicated", "无需转介"),
    "guardian_refused": ("guardian refused", "监护人拒绝"),
    "other": ("other", "其他"),
    # what was disclosed
    "student_identity": ("student identity", "学生身份"),
    "student_pseudonym": ("student pseudonym", "学生化名"),
    "guardian_contact": ("guardian contact", "监护人联系方式"),
    "risk_tier": ("risk tier", "风险等级"),
    "signs_observed": ("signs observed", "观察到的迹象"),
    "assessment_summary": ("assessment summary", "研判摘要"),
    "escalation": ("escalation", "升级通知"),
    "incident": ("incident", "突发事件"),
    "case_record": ("case record", "个案记录"),
    "packet": ("referral packet", "转介材料"),
    # purposes of a read
    "case_work": ("case work", "个案工作"),
    "audit": ("audit", "审计"),
    "supervision": ("supervision", "督导"),
    "emergency": ("emergency", "紧急情况"),
    # services
    "intake": ("intake", "接案"),
    "assessment": ("assessment", "研判"),
    "notification": ("notification", "通知"),
    "referral": ("referral", "转介"),
    # channels
    "sms": ("SMS", "短信"),
    "phone": ("phone", "电话"),
    "email": ("email", "电子邮件"),
    # kinds of code
    "template": ("template", "模板"),
    "tier": ("tier", "等级"),
    # guardians by rank
    "guardian_1": ("guardian 1", "第一监护人"),
    "guardian_2": ("guardian 2", "第二监护人"),
}


class Labels:
    """The words of one language."""

    def __init__(self, language: str) -> None:
        self.index = 1 if language == "zh" else 0

    def _pick(self, words: Words, code: str) -> str:
        entry = words.get(code)
        return entry[self.index] if entry else code

    def ui(self, key: str) -> str:
        return UI[key][self.index]

    def event(self, event_type: str) -> str:
        return self._pick(EVENTS, event_type)

    def stage(self, stage: str) -> str:
        return self._pick(STAGES, stage)

    def check(self, check: str) -> str:
        return self._pick(CHECKS, check)

    def code(self, code: str) -> str:
        """A code, or a `kind:value` code such as `tier:crisis`, in words."""
        if ":" in code:
            kind, value = code.split(":", 1)
            return f"{self._pick(CODES, kind)}: {self._pick(CODES, value)}"
        return self._pick(CODES, code)
