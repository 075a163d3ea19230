import type { Language } from '../../../../db/schema/clinic';

/**
 * The words of the public pages a reminder's links open (app/routes/appointment-links/), in the
 * patient's language. `{first}`, `{provider}`, `{when}` are filled in by the page.
 */
export interface LinkPageText {
	title: { confirm: string; cancel: string; reschedule: string };
	hello: string;
	visit: string;
	telehealth: string;
	confirmQuestion: string;
	confirmButton: string;
	cancelQuestion: string;
	cancelButton: string;
	keepIt: string;
	rescheduleIntro: string;
	rescheduleButton: string;
	noSlots: string;
	chooseTime: string;
	sending: string;
	done: { confirm: string; cancel: string; reschedule: string };
	onceNote: string;
	notOpen: string;
}

export const linkPageText: Record<Language, LinkPageText> = {
	en: {
		title: { confirm: 'Confirm your appointment', cancel: 'Cancel your appointment', reschedule: 'Choose another time' },
		hello: 'Hello {first},',
		visit: 'Your appointment',
		telehealth: 'Video visit',
		confirmQuestion: 'Will you come to this appointment?',
		confirmButton: 'Yes, I will come',
		cancelQuestion: 'Do you want to cancel this appointment? The time will be offered to other patients.',
		cancelButton: 'Yes, cancel the appointment',
		keepIt: 'To keep the appointment, just close this page.',
		rescheduleIntro: 'Pick a new time. Your current time is given up only when the new one is booked.',
		rescheduleButton: 'Move my appointment to this time',
		noSlots: 'There are no free times to book online in the next three weeks. Please call the clinic.',
		chooseTime: 'Choose one of the times.',
		sending: 'Sending…',
		done: { confirm: 'Thank you. Your appointment is confirmed.', cancel: 'Your appointment is cancelled. The clinic has been told.', reschedule: 'Done. Your appointment is now on {when}.' },
		onceNote: 'This link works once.',
		notOpen: 'This appointment can no longer be changed with this link. Please call the clinic.'
	},
	es: {
		title: { confirm: 'Confirme su cita', cancel: 'Cancele su cita', reschedule: 'Elija otra hora' },
		hello: 'Hola, {first}:',
		visit: 'Su cita',
		telehealth: 'Videoconsulta',
		confirmQuestion: '¿Vendrá a esta cita?',
		confirmButton: 'Sí, iré',
		cancelQuestion: '¿Desea cancelar esta cita? La hora quedará libre para otros pacientes.',
		cancelButton: 'Sí, cancelar la cita',
		keepIt: 'Si quiere mantener la cita, simplemente cierre esta página.',
		rescheduleIntro: 'Elija una nueva hora. Su hora actual solo se libera cuando la nueva quede reservada.',
		rescheduleButton: 'Cambiar mi cita a esta hora',
		noSlots: 'No hay horas libres para reservar en línea en las próximas tres semanas. Llame a la clínica, por favor.',
		chooseTime: 'Elija una de las horas.',
		sending: 'Enviando…',
		done: { confirm: 'Gracias. Su cita está confirmada.', cancel: 'Su cita está cancelada. Se ha avisado a la clínica.', reschedule: 'Listo. Su cita es ahora el {when}.' },
		onceNote: 'Este enlace funciona una sola vez.',
		notOpen: 'Esta cita ya no se puede cambiar con este enlace. Llame a la clínica, por favor.'
	},
	pt: {
		title: { confirm: 'Confirme a sua consulta', cancel: 'Cancele a sua consulta', reschedule: 'Escolha outro horário' },
		hello: 'Olá, {first},',
		visit: 'A sua consulta',
		telehealth: 'Teleconsulta',
		confirmQuestion: 'Vai comparecer a esta consulta?',
		confirmButton: 'Sim, vou comparecer',
		cancelQuestion: 'Quer cancelar esta consulta? O horário ficará disponível para outros pacientes.',
		cancelButton: 'Sim, cancelar a consulta',
		keepIt: 'Para manter a consulta, basta fechar esta página.',
		rescheduleIntro: 'Escolha um novo horário. O horário atual só é libertado quando o novo ficar marcado.',
		rescheduleButton: 'Mudar a consulta para este horário',
		noSlots: 'Não há horários livres para marcar online nas próximas três semanas. Ligue para a clínica, por favor.',
		chooseTime: 'Escolha um dos horários.',
		sending: 'A enviar…',
		done: { confirm: 'Obrigado. A sua consulta está confirmada.', cancel: 'A sua consulta foi cancelada. A clínica foi avisada.', reschedule: 'Feito. A sua consulta é agora em {when}.' },
		onceNote: 'Este link só funciona uma vez.',
		notOpen: 'Esta consulta já não pode ser alterada com este link. Ligue para a clínica, por favor.'
	},
	fr: {
		title: { confirm: 'Confirmez votre rendez-vous', cancel: 'Annulez votre rendez-vous', reschedule: 'Choisissez un autre horaire' },
		hello: 'Bonjour {first},',
		visit: 'Votre rendez-vous',
		telehealth: 'Téléconsultation',
		confirmQuestion: 'Viendrez-vous à ce rendez-vous ?',
		confirmButton: 'Oui, je viendrai',
		cancelQuestion: 'Voulez-vous annuler ce rendez-vous ? Le créneau sera proposé à d’autres patients.',
		cancelButton: 'Oui, annuler le rendez-vous',
		keepIt: 'Pour garder le rendez-vous, fermez simplement cette page.',
		rescheduleIntro: 'Choisissez un nouvel horaire. L’horaire actuel n’est libéré qu’une fois le nouveau réservé.',
		rescheduleButton: 'Déplacer mon rendez-vous à cet horaire',
		noSlots: 'Aucun créneau libre à réserver en ligne dans les trois prochaines semaines. Merci d’appeler le cabinet.',
		chooseTime: 'Choisissez l’un des horaires.',
		sending: 'Envoi…',
		done: { confirm: 'Merci. Votre rendez-vous est confirmé.', cancel: 'Votre rendez-vous est annulé. Le cabinet a été prévenu.', reschedule: 'C’est fait. Votre rendez-vous est maintenant le {when}.' },
		onceNote: 'Ce lien ne fonctionne qu’une fois.',
		notOpen: 'Ce rendez-vous ne peut plus être modifié avec ce lien. Merci d’appeler le cabinet.'
	},
	zh: {
		title: { confirm: '确认您的预约', cancel: '取消您的预约', reschedule: '改约其他时间' },
		hello: '{first}，您好：',
		visit: '您的预约',
		telehealth: '视频问诊',
		confirmQuestion: '您会按时就诊吗？',
		confirmButton: '是的，我会来',
		cancelQuestion: '您要取消此预约吗？该时段将开放给其他患者。',
		cancelButton: '是的，取消预约',
		keepIt: '如需保留预约，直接关闭此页面即可。',
		rescheduleIntro: '请选择新的时间。新时间预约成功后，原时间才会释放。',
		rescheduleButton: '将预约改到此时间',
		noSlots: '未来三周内没有可在线预约的空闲时间，请致电诊所。',
		chooseTime: '请选择一个时间。',
		sending: '正在提交…',
		done: { confirm: '谢谢，您的预约已确认。', cancel: '您的预约已取消，诊所已收到通知。', reschedule: '已完成。您的预约已改至{when}。' },
		onceNote: '此链接只能使用一次。',
		notOpen: '此预约已无法通过此链接更改，请致电诊所。'
	}
};
