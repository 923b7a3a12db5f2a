/**
 * Row, filter and body types of the module tables, one set per table of the
 * module manifests (sql/modules/<module>/module.json), with the columns of
 * sql/modules/<module>/0001_init.sql.hbs. types.spec.ts checks they still match.
 *
 * How the data plane sends values: UUID, VARCHAR, TEXT, DATE ("2026-12-01"),
 * TIME ("14:00:00") and TIMESTAMP ("2026-12-01 14:00:00", as PostgreSQL writes
 * it, no time zone) as strings; INTEGER as numbers; DECIMAL as exact decimal
 * strings ("1500.50"); BOOLEAN as booleans; JSONB as the JSON value; POINT as
 * { x, y }; INTERVAL as an object of its non-zero parts ({ days: 1 }), sent as a
 * string ("1 day").
 */

/** A DECIMAL as the API returns it: an exact decimal string such as "1500.50". */
export type Decimal = string;
/** A DECIMAL in a body: a number or a decimal string ("1500.50"). */
export type DecimalInput = number | string;
/** A POINT, such as GPS coordinates. */
export interface Point {
  x: number;
  y: number;
}
/** An INTERVAL as the API returns it: its non-zero parts, e.g. { days: 1 } or { hours: 2 }. */
export interface Interval {
  years?: number;
  months?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}
/** Equality filters on the given columns of a row (values sent in the query string). */
export type Filters<Row, K extends keyof Row> = { [P in K]?: NonNullable<Row[P]> };

// crm: CRM — Leads, sales opportunities and the activities/interactions logged against them.
/** crm.leads */
export interface Lead {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** VARCHAR(255) */
  email: string | null;
  /** VARCHAR(20) */
  telefone: string | null;
  /** VARCHAR(255) */
  empresa: string | null;
  /** VARCHAR(100) */
  cargo: string | null;
  /** VARCHAR(100) — whatsapp, site, indicacao, etc */
  fonte: string | null;
  /** VARCHAR(100) */
  campanha: string | null;
  /** VARCHAR(20) — mobile, desktop, tablet */
  dispositivo_origem: string | null;
  /** INTEGER — 0-100 */
  score: number | null;
  /** VARCHAR(50) — novo, qualificado, oportunidade, cliente, perdido */
  status: string | null;
  /** TEXT */
  interesse: string | null;
  /** TEXT */
  necessidade: string | null;
  /** DECIMAL(10,2) */
  orcamento: Decimal | null;
  /** BOOLEAN */
  prefere_whatsapp: boolean | null;
  /** VARCHAR(50) */
  melhor_horario_contato: string | null;
  /** VARCHAR(50) */
  timezone: string | null;
  /** UUID */
  responsavel_id: string | null;
  /** TIMESTAMP */
  data_ultimo_contato: string | null;
  /** TIMESTAMP */
  proximo_follow_up: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of crm.leads (its manifest's filterable columns). */
export type LeadFilters = Filters<Lead, 'status' | 'fonte' | 'email' | 'telefone' | 'dispositivo_origem' | 'responsavel_id'>;
/** Body of a new crm.leads: nome required. */
export interface LeadCreate {
  nome: string;
  email?: string | null;
  telefone?: string | null;
  empresa?: string | null;
  cargo?: string | null;
  fonte?: string | null;
  campanha?: string | null;
  dispositivo_origem?: string | null;
  score?: number | null;
  status?: string | null;
  interesse?: string | null;
  necessidade?: string | null;
  orcamento?: DecimalInput | null;
  prefere_whatsapp?: boolean | null;
  melhor_horario_contato?: string | null;
  timezone?: string | null;
  responsavel_id?: string | null;
  data_ultimo_contato?: string | null;
  proximo_follow_up?: string | null;
  updated_at?: string | null;
}
/** Body of an update of crm.leads: any fields of the row. */
export type LeadUpdate = Partial<LeadCreate>;

/** crm.oportunidades */
export interface Oportunidade {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  lead_id: string | null;
  /** VARCHAR(255) NOT NULL */
  titulo: string;
  /** TEXT */
  descricao: string | null;
  /** DECIMAL(12,2) NOT NULL */
  valor: Decimal;
  /** VARCHAR(3) */
  moeda: string | null;
  /** VARCHAR(100) — qualificacao, proposta, negociacao, fechamento */
  estagio: string | null;
  /** INTEGER — 0-100% */
  probabilidade: number | null;
  /** DATE */
  data_fechamento_prevista: string | null;
  /** INTEGER */
  contatos_via_mobile: number | null;
  /** INTEGER */
  reunioes_virtuais: number | null;
  /** INTEGER */
  documentos_enviados_mobile: number | null;
  /** VARCHAR(50) — ativa, ganha, perdida, pausada */
  status: string | null;
  /** TEXT */
  motivo_perda: string | null;
  /** VARCHAR(255) */
  concorrente: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of crm.oportunidades (its manifest's filterable columns). */
export type OportunidadeFilters = Filters<Oportunidade, 'lead_id' | 'status' | 'estagio' | 'moeda'>;
/** Body of a new crm.oportunidades: titulo, valor required. */
export interface OportunidadeCreate {
  titulo: string;
  valor: DecimalInput;
  lead_id?: string | null;
  descricao?: string | null;
  moeda?: string | null;
  estagio?: string | null;
  probabilidade?: number | null;
  data_fechamento_prevista?: string | null;
  contatos_via_mobile?: number | null;
  reunioes_virtuais?: number | null;
  documentos_enviados_mobile?: number | null;
  status?: string | null;
  motivo_perda?: string | null;
  concorrente?: string | null;
  updated_at?: string | null;
}
/** Body of an update of crm.oportunidades: any fields of the row. */
export type OportunidadeUpdate = Partial<OportunidadeCreate>;

/** crm.atividades */
export interface Atividade {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  lead_id: string | null;
  /** UUID */
  oportunidade_id: string | null;
  /** VARCHAR(50) NOT NULL — chamada, email, whatsapp, reuniao, proposta */
  tipo: string;
  /** VARCHAR(255) */
  assunto: string | null;
  /** TEXT */
  descricao: string | null;
  /** BOOLEAN */
  feita_via_mobile: boolean | null;
  /** POINT */
  localizacao_gps: Point | null;
  /** VARCHAR(50) */
  dispositivo_usado: string | null;
  /** TIMESTAMP */
  data_atividade: string | null;
  /** INTEGER */
  duracao_minutos: number | null;
  /** VARCHAR(100) — positivo, negativo, neutro, reagendar */
  resultado: string | null;
  /** TEXT */
  proxima_acao: string | null;
  /** TIMESTAMP */
  data_proxima_acao: string | null;
  /** UUID */
  responsavel_id: string | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of crm.atividades (its manifest's filterable columns). */
export type AtividadeFilters = Filters<Atividade, 'lead_id' | 'oportunidade_id' | 'tipo' | 'resultado' | 'responsavel_id' | 'feita_via_mobile'>;
/** Body of a new crm.atividades: tipo required. */
export interface AtividadeCreate {
  tipo: string;
  lead_id?: string | null;
  oportunidade_id?: string | null;
  assunto?: string | null;
  descricao?: string | null;
  feita_via_mobile?: boolean | null;
  localizacao_gps?: Point | null;
  dispositivo_usado?: string | null;
  data_atividade?: string | null;
  duracao_minutos?: number | null;
  resultado?: string | null;
  proxima_acao?: string | null;
  data_proxima_acao?: string | null;
  responsavel_id?: string | null;
}
/** Body of an update of crm.atividades: any fields of the row. */
export type AtividadeUpdate = Partial<AtividadeCreate>;

// whatsapp: WhatsApp — WhatsApp messaging via Evolution API: instance configuration, contacts, conversations, messages, campaigns and templates.
/** whatsapp.configuracao_instancia */
export interface ConfiguracaoInstancia {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(100) NOT NULL — cliente_siqueiracampos */
  nome_instancia: string;
  /** VARCHAR(20) NOT NULL */
  numero_whatsapp: string;
  /** TEXT */
  qr_code: string | null;
  /** VARCHAR(50) — conectado, desconectado, erro */
  status_conexao: string | null;
  /** TEXT */
  evolution_api_url: string | null;
  /** VARCHAR(255) */
  evolution_api_key: string | null;
  /** TEXT */
  webhook_url: string | null;
  /** BOOLEAN */
  auto_reply_mobile: boolean | null;
  /** TIME */
  horario_atendimento_inicio: string | null;
  /** TIME */
  horario_atendimento_fim: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of whatsapp.configuracao_instancia (its manifest's filterable columns). */
export type ConfiguracaoInstanciaFilters = Filters<ConfiguracaoInstancia, 'nome_instancia' | 'numero_whatsapp' | 'status_conexao'>;
/** Body of a new whatsapp.configuracao_instancia: nome_instancia, numero_whatsapp required. */
export interface ConfiguracaoInstanciaCreate {
  nome_instancia: string;
  numero_whatsapp: string;
  qr_code?: string | null;
  status_conexao?: string | null;
  evolution_api_url?: string | null;
  evolution_api_key?: string | null;
  webhook_url?: string | null;
  auto_reply_mobile?: boolean | null;
  horario_atendimento_inicio?: string | null;
  horario_atendimento_fim?: string | null;
  updated_at?: string | null;
}
/** Body of an update of whatsapp.configuracao_instancia: any fields of the row. */
export type ConfiguracaoInstanciaUpdate = Partial<ConfiguracaoInstanciaCreate>;

/** whatsapp.contatos */
export interface Contato {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(20) NOT NULL */
  numero: string;
  /** VARCHAR(255) */
  nome: string | null;
  /** VARCHAR(255) */
  nome_exibicao: string | null;
  /** TEXT */
  foto_perfil_url: string | null;
  /** TEXT — status/sobre do WhatsApp */
  sobre: string | null;
  /** BOOLEAN */
  eh_empresa: boolean | null;
  /** BOOLEAN */
  eh_verificado: boolean | null;
  /** BOOLEAN */
  usa_whatsapp_business: boolean | null;
  /** TIME */
  horario_ativo_inicio: string | null;
  /** TIME */
  horario_ativo_fim: string | null;
  /** VARCHAR(50) */
  timezone: string | null;
  /** UUID — Referência para crm.leads se existir */
  lead_id: string | null;
  /** BOOLEAN */
  bloqueado: boolean | null;
  /** BOOLEAN */
  permitir_auto_reply: boolean | null;
  /** JSONB */
  tags: unknown;
  /** TIMESTAMP */
  first_seen: string | null;
  /** TIMESTAMP */
  last_seen: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of whatsapp.contatos (its manifest's filterable columns). */
export type ContatoFilters = Filters<Contato, 'numero' | 'lead_id' | 'bloqueado' | 'eh_empresa'>;
/** Body of a new whatsapp.contatos: numero required. */
export interface ContatoCreate {
  numero: string;
  nome?: string | null;
  nome_exibicao?: string | null;
  foto_perfil_url?: string | null;
  sobre?: string | null;
  eh_empresa?: boolean | null;
  eh_verificado?: boolean | null;
  usa_whatsapp_business?: boolean | null;
  horario_ativo_inicio?: string | null;
  horario_ativo_fim?: string | null;
  timezone?: string | null;
  lead_id?: string | null;
  bloqueado?: boolean | null;
  permitir_auto_reply?: boolean | null;
  tags?: unknown;
  first_seen?: string | null;
  last_seen?: string | null;
  updated_at?: string | null;
}
/** Body of an update of whatsapp.contatos: any fields of the row. */
export type ContatoUpdate = Partial<ContatoCreate>;

/** whatsapp.conversas */
export interface Conversa {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  contato_id: string | null;
  /** VARCHAR(255) NOT NULL — ID do chat no WhatsApp */
  chat_id: string;
  /** VARCHAR(20) — individual, grupo */
  tipo_chat: string | null;
  /** VARCHAR(255) — Se for grupo */
  nome_grupo: string | null;
  /** BOOLEAN */
  arquivada: boolean | null;
  /** BOOLEAN */
  silenciada: boolean | null;
  /** BOOLEAN */
  fixada: boolean | null;
  /** UUID */
  ultima_mensagem_id: string | null;
  /** TIMESTAMP */
  ultima_mensagem_timestamp: string | null;
  /** INTEGER */
  mensagens_nao_lidas: number | null;
  /** VARCHAR(20) */
  dispositivo_predominante: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of whatsapp.conversas (its manifest's filterable columns). */
export type ConversaFilters = Filters<Conversa, 'contato_id' | 'chat_id' | 'tipo_chat' | 'arquivada' | 'fixada'>;
/** Body of a new whatsapp.conversas: chat_id required. */
export interface ConversaCreate {
  chat_id: string;
  contato_id?: string | null;
  tipo_chat?: string | null;
  nome_grupo?: string | null;
  arquivada?: boolean | null;
  silenciada?: boolean | null;
  fixada?: boolean | null;
  ultima_mensagem_id?: string | null;
  ultima_mensagem_timestamp?: string | null;
  mensagens_nao_lidas?: number | null;
  dispositivo_predominante?: string | null;
  updated_at?: string | null;
}
/** Body of an update of whatsapp.conversas: any fields of the row. */
export type ConversaUpdate = Partial<ConversaCreate>;

/** whatsapp.mensagens */
export interface Mensagem {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  conversa_id: string | null;
  /** VARCHAR(255) NOT NULL */
  whatsapp_message_id: string;
  /** VARCHAR(20) NOT NULL — text, image, audio, video, document, location, contact */
  tipo: string;
  /** TEXT — Texto da mensagem */
  conteudo: string | null;
  /** TEXT — URL se for mídia */
  midia_url: string | null;
  /** VARCHAR(255) */
  midia_filename: string | null;
  /** VARCHAR(100) */
  midia_mimetype: string | null;
  /** INTEGER */
  midia_size_bytes: number | null;
  /** BOOLEAN — Se foi comprimida para mobile */
  midia_comprimida: boolean | null;
  /** TEXT — Transcrição de áudio para acessibilidade */
  transcricao_audio: string | null;
  /** TIMESTAMP NOT NULL */
  timestamp_whatsapp: string;
  /** VARCHAR(20) */
  remetente_numero: string | null;
  /** BOOLEAN — Se foi enviada por nós */
  eh_de_mim: boolean | null;
  /** VARCHAR(20) — enviando, entregue, lida, erro */
  status_entrega: string | null;
  /** TIMESTAMP */
  timestamp_entrega: string | null;
  /** TIMESTAMP */
  timestamp_leitura: string | null;
  /** UUID — Se é resposta a outra mensagem */
  respondendo_a_id: string | null;
  /** JSONB — Array de números mencionados */
  mencionados: unknown;
  /** BOOLEAN */
  eh_automatica: boolean | null;
  /** UUID — Se faz parte de alguma campanha */
  campanha_id: string | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of whatsapp.mensagens (its manifest's filterable columns). */
export type MensagemFilters = Filters<Mensagem, 'conversa_id' | 'whatsapp_message_id' | 'tipo' | 'status_entrega' | 'campanha_id' | 'eh_de_mim'>;
/** Body of a new whatsapp.mensagens: whatsapp_message_id, tipo, timestamp_whatsapp required. */
export interface MensagemCreate {
  whatsapp_message_id: string;
  tipo: string;
  timestamp_whatsapp: string;
  conversa_id?: string | null;
  conteudo?: string | null;
  midia_url?: string | null;
  midia_filename?: string | null;
  midia_mimetype?: string | null;
  midia_size_bytes?: number | null;
  midia_comprimida?: boolean | null;
  transcricao_audio?: string | null;
  remetente_numero?: string | null;
  eh_de_mim?: boolean | null;
  status_entrega?: string | null;
  timestamp_entrega?: string | null;
  timestamp_leitura?: string | null;
  respondendo_a_id?: string | null;
  mencionados?: unknown;
  eh_automatica?: boolean | null;
  campanha_id?: string | null;
}
/** Body of an update of whatsapp.mensagens: any fields of the row. */
export type MensagemUpdate = Partial<MensagemCreate>;

/** whatsapp.campanhas */
export interface Campanha {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** TEXT */
  descricao: string | null;
  /** VARCHAR(20) NOT NULL — text, image, template */
  tipo_mensagem: string;
  /** TEXT NOT NULL */
  conteudo: string;
  /** TEXT */
  midia_url: string | null;
  /** JSONB — Array de números ou critérios */
  contatos_alvo: unknown;
  /** JSONB */
  tags_alvo: unknown;
  /** BOOLEAN */
  otimizada_mobile: boolean | null;
  /** TIME */
  horario_envio_preferido: string | null;
  /** TIMESTAMP */
  agendada_para: string | null;
  /** VARCHAR(50) */
  fuso_horario: string | null;
  /** VARCHAR(50) — rascunho, agendada, enviando, concluida, erro */
  status: string | null;
  /** INTEGER */
  total_contatos: number | null;
  /** INTEGER */
  enviadas: number | null;
  /** INTEGER */
  entregues: number | null;
  /** INTEGER */
  lidas: number | null;
  /** INTEGER */
  respondidas: number | null;
  /** TIMESTAMP */
  iniciada_em: string | null;
  /** TIMESTAMP */
  concluida_em: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** UUID */
  created_by: string | null;
}
/** Filters of whatsapp.campanhas (its manifest's filterable columns). */
export type CampanhaFilters = Filters<Campanha, 'status' | 'tipo_mensagem' | 'created_by'>;
/** Body of a new whatsapp.campanhas: nome, tipo_mensagem, conteudo required. */
export interface CampanhaCreate {
  nome: string;
  tipo_mensagem: string;
  conteudo: string;
  descricao?: string | null;
  midia_url?: string | null;
  contatos_alvo?: unknown;
  tags_alvo?: unknown;
  otimizada_mobile?: boolean | null;
  horario_envio_preferido?: string | null;
  agendada_para?: string | null;
  fuso_horario?: string | null;
  status?: string | null;
  total_contatos?: number | null;
  enviadas?: number | null;
  entregues?: number | null;
  lidas?: number | null;
  respondidas?: number | null;
  iniciada_em?: string | null;
  concluida_em?: string | null;
  created_by?: string | null;
}
/** Body of an update of whatsapp.campanhas: any fields of the row. */
export type CampanhaUpdate = Partial<CampanhaCreate>;

/** whatsapp.templates */
export interface Template {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** VARCHAR(100) — boas_vindas, follow_up, promocao, etc */
  categoria: string | null;
  /** VARCHAR(255) */
  assunto: string | null;
  /** TEXT NOT NULL */
  corpo: string;
  /** JSONB */
  variaveis: unknown;
  /** TEXT — Versão reduzida para mobile */
  versao_curta: string | null;
  /** BOOLEAN */
  inclui_emoji: boolean | null;
  /** BOOLEAN */
  ativo: boolean | null;
  /** BOOLEAN */
  uso_automatico: boolean | null;
  /** INTEGER */
  vezes_usado: number | null;
  /** DECIMAL(5,2) */
  taxa_resposta: Decimal | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of whatsapp.templates (its manifest's filterable columns). */
export type TemplateFilters = Filters<Template, 'nome' | 'categoria' | 'ativo' | 'uso_automatico'>;
/** Body of a new whatsapp.templates: nome, corpo required. */
export interface TemplateCreate {
  nome: string;
  corpo: string;
  categoria?: string | null;
  assunto?: string | null;
  variaveis?: unknown;
  versao_curta?: string | null;
  inclui_emoji?: boolean | null;
  ativo?: boolean | null;
  uso_automatico?: boolean | null;
  vezes_usado?: number | null;
  taxa_resposta?: DecimalInput | null;
  updated_at?: string | null;
}
/** Body of an update of whatsapp.templates: any fields of the row. */
export type TemplateUpdate = Partial<TemplateCreate>;

// agendamento: Agendamento — Appointment scheduling: professionals, services, appointments, schedule blocks, reminders and custom availability.
/** agendamento.profissionais */
export interface Profissional {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** VARCHAR(255) */
  email: string | null;
  /** VARCHAR(20) */
  telefone: string | null;
  /** TEXT */
  foto_perfil_url: string | null;
  /** VARCHAR(255) */
  especialidade: string | null;
  /** TEXT */
  descricao: string | null;
  /** INTEGER */
  experiencia_anos: number | null;
  /** BOOLEAN */
  aceita_agendamento_mobile: boolean | null;
  /** BOOLEAN */
  confirma_por_whatsapp: boolean | null;
  /** TIME */
  horario_inicio: string | null;
  /** TIME */
  horario_fim: string | null;
  /** JSONB — 1=segunda, 7=domingo */
  dias_trabalho: unknown;
  /** INTEGER */
  antecedencia_minima_horas: number | null;
  /** INTEGER */
  intervalo_entre_consultas_minutos: number | null;
  /** BOOLEAN */
  ativo: boolean | null;
  /** BOOLEAN */
  aceita_novos_agendamentos: boolean | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of agendamento.profissionais (its manifest's filterable columns). */
export type ProfissionalFilters = Filters<Profissional, 'email' | 'telefone' | 'especialidade' | 'ativo' | 'aceita_novos_agendamentos'>;
/** Body of a new agendamento.profissionais: nome required. */
export interface ProfissionalCreate {
  nome: string;
  email?: string | null;
  telefone?: string | null;
  foto_perfil_url?: string | null;
  especialidade?: string | null;
  descricao?: string | null;
  experiencia_anos?: number | null;
  aceita_agendamento_mobile?: boolean | null;
  confirma_por_whatsapp?: boolean | null;
  horario_inicio?: string | null;
  horario_fim?: string | null;
  dias_trabalho?: unknown;
  antecedencia_minima_horas?: number | null;
  intervalo_entre_consultas_minutos?: number | null;
  ativo?: boolean | null;
  aceita_novos_agendamentos?: boolean | null;
  updated_at?: string | null;
}
/** Body of an update of agendamento.profissionais: any fields of the row. */
export type ProfissionalUpdate = Partial<ProfissionalCreate>;

/** agendamento.servicos */
export interface Servico {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  profissional_id: string | null;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** TEXT */
  descricao: string | null;
  /** VARCHAR(500) — Para mobile */
  descricao_curta: string | null;
  /** DECIMAL(10,2) */
  preco: Decimal | null;
  /** INTEGER NOT NULL */
  duracao_minutos: number;
  /** BOOLEAN */
  popular: boolean | null;
  /** BOOLEAN */
  destaque_mobile: boolean | null;
  /** VARCHAR(10) — Emoji para mobile */
  icone_emoji: string | null;
  /** BOOLEAN */
  permite_online: boolean | null;
  /** TEXT — Ex: "jejum de 8h" */
  requer_preparo: string | null;
  /** BOOLEAN */
  ativo: boolean | null;
  /** INTEGER */
  ordem: number | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of agendamento.servicos (its manifest's filterable columns). */
export type ServicoFilters = Filters<Servico, 'profissional_id' | 'ativo' | 'popular' | 'permite_online'>;
/** Body of a new agendamento.servicos: nome, duracao_minutos required. */
export interface ServicoCreate {
  nome: string;
  duracao_minutos: number;
  profissional_id?: string | null;
  descricao?: string | null;
  descricao_curta?: string | null;
  preco?: DecimalInput | null;
  popular?: boolean | null;
  destaque_mobile?: boolean | null;
  icone_emoji?: string | null;
  permite_online?: boolean | null;
  requer_preparo?: string | null;
  ativo?: boolean | null;
  ordem?: number | null;
}
/** Body of an update of agendamento.servicos: any fields of the row. */
export type ServicoUpdate = Partial<ServicoCreate>;

/** agendamento.consultas */
export interface Consulta {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  profissional_id: string | null;
  /** UUID */
  servico_id: string | null;
  /** VARCHAR(255) NOT NULL */
  cliente_nome: string;
  /** VARCHAR(255) */
  cliente_email: string | null;
  /** VARCHAR(20) NOT NULL */
  cliente_telefone: string;
  /** UUID — Relaciona com CRM se existir */
  cliente_lead_id: string | null;
  /** DATE NOT NULL */
  data_consulta: string;
  /** TIME NOT NULL */
  hora_inicio: string;
  /** TIME NOT NULL */
  hora_fim: string;
  /** BOOLEAN */
  agendado_via_mobile: boolean | null;
  /** VARCHAR(50) */
  dispositivo_agendamento: string | null;
  /** POINT — GPS se permitido */
  localizacao_cliente: Point | null;
  /** VARCHAR(20) — presencial, online, domicilio */
  tipo: string | null;
  /** TEXT — Para consultas online */
  link_online: string | null;
  /** TEXT — Para atendimento domiciliar */
  endereco: string | null;
  /** VARCHAR(50) — agendado, confirmado, realizado, cancelado, faltou */
  status: string | null;
  /** BOOLEAN */
  confirmado: boolean | null;
  /** TIMESTAMP */
  data_confirmacao: string | null;
  /** BOOLEAN */
  lembrete_enviado: boolean | null;
  /** BOOLEAN */
  whatsapp_enviado: boolean | null;
  /** TEXT */
  observacoes: string | null;
  /** TEXT */
  observacoes_internas: string | null;
  /** DECIMAL(10,2) */
  valor: Decimal | null;
  /** BOOLEAN */
  pago: boolean | null;
  /** VARCHAR(50) */
  forma_pagamento: string | null;
  /** INTEGER — 1-5 estrelas */
  avaliacao_cliente: number | null;
  /** TEXT */
  comentario_avaliacao: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of agendamento.consultas (its manifest's filterable columns). */
export type ConsultaFilters = Filters<Consulta, 'profissional_id' | 'servico_id' | 'status' | 'data_consulta' | 'cliente_telefone' | 'cliente_lead_id'>;
/** Body of a new agendamento.consultas: cliente_nome, cliente_telefone, data_consulta, hora_inicio, hora_fim required. */
export interface ConsultaCreate {
  cliente_nome: string;
  cliente_telefone: string;
  data_consulta: string;
  hora_inicio: string;
  hora_fim: string;
  profissional_id?: string | null;
  servico_id?: string | null;
  cliente_email?: string | null;
  cliente_lead_id?: string | null;
  agendado_via_mobile?: boolean | null;
  dispositivo_agendamento?: string | null;
  localizacao_cliente?: Point | null;
  tipo?: string | null;
  link_online?: string | null;
  endereco?: string | null;
  status?: string | null;
  confirmado?: boolean | null;
  data_confirmacao?: string | null;
  lembrete_enviado?: boolean | null;
  whatsapp_enviado?: boolean | null;
  observacoes?: string | null;
  observacoes_internas?: string | null;
  valor?: DecimalInput | null;
  pago?: boolean | null;
  forma_pagamento?: string | null;
  avaliacao_cliente?: number | null;
  comentario_avaliacao?: string | null;
  updated_at?: string | null;
}
/** Body of an update of agendamento.consultas: any fields of the row. */
export type ConsultaUpdate = Partial<ConsultaCreate>;

/** agendamento.bloqueios */
export interface Bloqueio {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  profissional_id: string | null;
  /** DATE NOT NULL */
  data_inicio: string;
  /** DATE NOT NULL */
  data_fim: string;
  /** TIME */
  hora_inicio: string | null;
  /** TIME */
  hora_fim: string | null;
  /** VARCHAR(255) */
  motivo: string | null;
  /** VARCHAR(50) — bloqueio, ferias, feriado, capacitacao */
  tipo: string | null;
  /** BOOLEAN */
  notificar_clientes: boolean | null;
  /** TEXT */
  mensagem_clientes: string | null;
  /** BOOLEAN */
  recorrente: boolean | null;
  /** JSONB — Para bloqueios recorrentes */
  recorrencia_config: unknown;
  /** TIMESTAMP */
  created_at: string | null;
  /** UUID */
  created_by: string | null;
}
/** Filters of agendamento.bloqueios (its manifest's filterable columns). */
export type BloqueioFilters = Filters<Bloqueio, 'profissional_id' | 'tipo' | 'data_inicio' | 'recorrente'>;
/** Body of a new agendamento.bloqueios: data_inicio, data_fim required. */
export interface BloqueioCreate {
  data_inicio: string;
  data_fim: string;
  profissional_id?: string | null;
  hora_inicio?: string | null;
  hora_fim?: string | null;
  motivo?: string | null;
  tipo?: string | null;
  notificar_clientes?: boolean | null;
  mensagem_clientes?: string | null;
  recorrente?: boolean | null;
  recorrencia_config?: unknown;
  created_by?: string | null;
}
/** Body of an update of agendamento.bloqueios: any fields of the row. */
export type BloqueioUpdate = Partial<BloqueioCreate>;

/** agendamento.lembretes */
export interface Lembrete {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  consulta_id: string | null;
  /** VARCHAR(50) NOT NULL — whatsapp, sms, email, push */
  tipo: string;
  /** INTERVAL NOT NULL — Ex: '1 day', '2 hours' */
  enviar_quando: Interval;
  /** TIMESTAMP NOT NULL */
  data_envio_calculada: string;
  /** BOOLEAN */
  enviado: boolean | null;
  /** TIMESTAMP */
  data_envio: string | null;
  /** BOOLEAN */
  sucesso: boolean | null;
  /** TEXT */
  erro_detalhes: string | null;
  /** BOOLEAN */
  otimizado_mobile: boolean | null;
  /** TEXT */
  template_mobile: string | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of agendamento.lembretes (its manifest's filterable columns). */
export type LembreteFilters = Filters<Lembrete, 'consulta_id' | 'tipo' | 'enviado' | 'sucesso'>;
/** Body of a new agendamento.lembretes: tipo, enviar_quando, data_envio_calculada required. */
export interface LembreteCreate {
  tipo: string;
  enviar_quando: string;
  data_envio_calculada: string;
  consulta_id?: string | null;
  enviado?: boolean | null;
  data_envio?: string | null;
  sucesso?: boolean | null;
  erro_detalhes?: string | null;
  otimizado_mobile?: boolean | null;
  template_mobile?: string | null;
}
/** Body of an update of agendamento.lembretes: any fields of the row. */
export type LembreteUpdate = Partial<LembreteCreate>;

/** agendamento.disponibilidade_customizada */
export interface DisponibilidadeCustomizada {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  profissional_id: string | null;
  /** DATE NOT NULL */
  data: string;
  /** TIME */
  horario_inicio: string | null;
  /** TIME */
  horario_fim: string | null;
  /** BOOLEAN */
  disponivel: boolean | null;
  /** VARCHAR(255) */
  motivo: string | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of agendamento.disponibilidade_customizada (its manifest's filterable columns). */
export type DisponibilidadeCustomizadaFilters = Filters<DisponibilidadeCustomizada, 'profissional_id' | 'data' | 'disponivel'>;
/** Body of a new agendamento.disponibilidade_customizada: data required. */
export interface DisponibilidadeCustomizadaCreate {
  data: string;
  profissional_id?: string | null;
  horario_inicio?: string | null;
  horario_fim?: string | null;
  disponivel?: boolean | null;
  motivo?: string | null;
}
/** Body of an update of agendamento.disponibilidade_customizada: any fields of the row. */
export type DisponibilidadeCustomizadaUpdate = Partial<DisponibilidadeCustomizadaCreate>;

// financeiro: Financeiro — Billing and finance: plans, subscriptions, invoices, transactions, monthly reports and billing settings.
/** financeiro.planos */
export interface Plano {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome: string;
  /** TEXT */
  descricao: string | null;
  /** DECIMAL(10,2) */
  valor_mensal: Decimal | null;
  /** DECIMAL(10,2) */
  valor_anual: Decimal | null;
  /** VARCHAR(3) */
  moeda: string | null;
  /** INTEGER */
  usuarios_incluidos: number | null;
  /** INTEGER */
  storage_gb: number | null;
  /** INTEGER */
  whatsapp_mensagens_mes: number | null;
  /** BOOLEAN */
  app_mobile_incluido: boolean | null;
  /** BOOLEAN */
  notificacoes_push_incluidas: boolean | null;
  /** INTEGER */
  trial_dias: number | null;
  /** BOOLEAN */
  ativo: boolean | null;
  /** BOOLEAN */
  publico: boolean | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of financeiro.planos (its manifest's filterable columns). */
export type PlanoFilters = Filters<Plano, 'nome' | 'ativo' | 'publico' | 'moeda'>;
/** Body of a new financeiro.planos: nome required. */
export interface PlanoCreate {
  nome: string;
  descricao?: string | null;
  valor_mensal?: DecimalInput | null;
  valor_anual?: DecimalInput | null;
  moeda?: string | null;
  usuarios_incluidos?: number | null;
  storage_gb?: number | null;
  whatsapp_mensagens_mes?: number | null;
  app_mobile_incluido?: boolean | null;
  notificacoes_push_incluidas?: boolean | null;
  trial_dias?: number | null;
  ativo?: boolean | null;
  publico?: boolean | null;
}
/** Body of an update of financeiro.planos: any fields of the row. */
export type PlanoUpdate = Partial<PlanoCreate>;

/** financeiro.assinaturas */
export interface Assinatura {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  plano_id: string | null;
  /** VARCHAR(255) NOT NULL */
  cliente_nome: string;
  /** VARCHAR(255) NOT NULL */
  cliente_email: string;
  /** VARCHAR(20) — CPF/CNPJ */
  cliente_documento: string | null;
  /** VARCHAR(20) */
  cliente_telefone: string | null;
  /** DATE NOT NULL */
  data_inicio: string;
  /** DATE */
  data_fim: string | null;
  /** VARCHAR(50) — ativa, cancelada, suspensa, trial */
  status: string | null;
  /** INTEGER — Dia do mês para cobrança */
  dia_vencimento: number | null;
  /** VARCHAR(50) — cartao, boleto, pix */
  forma_pagamento: string | null;
  /** BOOLEAN */
  prefere_cobranca_whatsapp: boolean | null;
  /** BOOLEAN */
  aceita_push_cobranca: boolean | null;
  /** BOOLEAN */
  em_trial: boolean | null;
  /** DATE */
  trial_termina_em: string | null;
  /** DECIMAL(5,2) */
  desconto_percentual: Decimal | null;
  /** DECIMAL(10,2) */
  valor_customizado: Decimal | null;
  /** TEXT */
  observacoes: string | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of financeiro.assinaturas (its manifest's filterable columns). */
export type AssinaturaFilters = Filters<Assinatura, 'plano_id' | 'status' | 'cliente_email' | 'cliente_documento' | 'forma_pagamento' | 'em_trial'>;
/** Body of a new financeiro.assinaturas: cliente_nome, cliente_email, data_inicio required. */
export interface AssinaturaCreate {
  cliente_nome: string;
  cliente_email: string;
  data_inicio: string;
  plano_id?: string | null;
  cliente_documento?: string | null;
  cliente_telefone?: string | null;
  data_fim?: string | null;
  status?: string | null;
  dia_vencimento?: number | null;
  forma_pagamento?: string | null;
  prefere_cobranca_whatsapp?: boolean | null;
  aceita_push_cobranca?: boolean | null;
  em_trial?: boolean | null;
  trial_termina_em?: string | null;
  desconto_percentual?: DecimalInput | null;
  valor_customizado?: DecimalInput | null;
  observacoes?: string | null;
  updated_at?: string | null;
}
/** Body of an update of financeiro.assinaturas: any fields of the row. */
export type AssinaturaUpdate = Partial<AssinaturaCreate>;

/** financeiro.faturas */
export interface Fatura {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  assinatura_id: string | null;
  /** VARCHAR(50) NOT NULL */
  numero_fatura: string;
  /** DATE NOT NULL */
  periodo_inicio: string;
  /** DATE NOT NULL */
  periodo_fim: string;
  /** DECIMAL(10,2) NOT NULL */
  valor_bruto: Decimal;
  /** DECIMAL(10,2) */
  desconto: Decimal | null;
  /** DECIMAL(10,2) NOT NULL */
  valor_liquido: Decimal;
  /** DECIMAL(10,2) */
  impostos: Decimal | null;
  /** DECIMAL(10,2) NOT NULL */
  valor_total: Decimal;
  /** DATE NOT NULL */
  data_vencimento: string;
  /** VARCHAR(50) — pendente, paga, vencida, cancelada */
  status: string | null;
  /** TEXT */
  qr_code_pix: string | null;
  /** TEXT */
  link_pagamento_mobile: string | null;
  /** TIMESTAMP */
  data_pagamento: string | null;
  /** VARCHAR(50) */
  forma_pagamento: string | null;
  /** TEXT */
  comprovante_url: string | null;
  /** BOOLEAN */
  enviada_whatsapp: boolean | null;
  /** BOOLEAN */
  enviada_email: boolean | null;
  /** INTEGER */
  lembretes_enviados: number | null;
  /** TIMESTAMP */
  created_at: string | null;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of financeiro.faturas (its manifest's filterable columns). */
export type FaturaFilters = Filters<Fatura, 'assinatura_id' | 'numero_fatura' | 'status' | 'data_vencimento' | 'forma_pagamento'>;
/** Body of a new financeiro.faturas: numero_fatura, periodo_inicio, periodo_fim, valor_bruto, valor_liquido, valor_total, data_vencimento required. */
export interface FaturaCreate {
  numero_fatura: string;
  periodo_inicio: string;
  periodo_fim: string;
  valor_bruto: DecimalInput;
  valor_liquido: DecimalInput;
  valor_total: DecimalInput;
  data_vencimento: string;
  assinatura_id?: string | null;
  desconto?: DecimalInput | null;
  impostos?: DecimalInput | null;
  status?: string | null;
  qr_code_pix?: string | null;
  link_pagamento_mobile?: string | null;
  data_pagamento?: string | null;
  forma_pagamento?: string | null;
  comprovante_url?: string | null;
  enviada_whatsapp?: boolean | null;
  enviada_email?: boolean | null;
  lembretes_enviados?: number | null;
  updated_at?: string | null;
}
/** Body of an update of financeiro.faturas: any fields of the row. */
export type FaturaUpdate = Partial<FaturaCreate>;

/** financeiro.transacoes */
export interface Transacao {
  /** UUID PRIMARY KEY */
  id: string;
  /** UUID */
  fatura_id: string | null;
  /** VARCHAR(50) NOT NULL — receita, despesa, estorno */
  tipo: string;
  /** VARCHAR(100) */
  categoria: string | null;
  /** TEXT */
  descricao: string | null;
  /** DECIMAL(12,2) NOT NULL */
  valor: Decimal;
  /** VARCHAR(3) */
  moeda: string | null;
  /** VARCHAR(50) — stripe, mercadopago, pagseguro */
  gateway: string | null;
  /** VARCHAR(255) — ID no gateway */
  transaction_id: string | null;
  /** BOOLEAN */
  pago_via_mobile: boolean | null;
  /** VARCHAR(50) — cartao, pix, boleto, dinheiro */
  metodo_pagamento: string | null;
  /** TIMESTAMP */
  data_transacao: string | null;
  /** VARCHAR(50) — processando, aprovada, rejeitada, estornada */
  status: string | null;
  /** DECIMAL(10,2) */
  gateway_fee: Decimal | null;
  /** JSONB */
  gateway_response: unknown;
  /** BOOLEAN */
  conciliada: boolean | null;
  /** TIMESTAMP */
  data_conciliacao: string | null;
  /** TIMESTAMP */
  created_at: string | null;
}
/** Filters of financeiro.transacoes (its manifest's filterable columns). */
export type TransacaoFilters = Filters<Transacao, 'fatura_id' | 'tipo' | 'status' | 'gateway' | 'transaction_id' | 'conciliada'>;
/** Body of a new financeiro.transacoes: tipo, valor required. */
export interface TransacaoCreate {
  tipo: string;
  valor: DecimalInput;
  fatura_id?: string | null;
  categoria?: string | null;
  descricao?: string | null;
  moeda?: string | null;
  gateway?: string | null;
  transaction_id?: string | null;
  pago_via_mobile?: boolean | null;
  metodo_pagamento?: string | null;
  data_transacao?: string | null;
  status?: string | null;
  gateway_fee?: DecimalInput | null;
  gateway_response?: unknown;
  conciliada?: boolean | null;
  data_conciliacao?: string | null;
}
/** Body of an update of financeiro.transacoes: any fields of the row. */
export type TransacaoUpdate = Partial<TransacaoCreate>;

/** financeiro.relatorios_mensais */
export interface RelatorioMensal {
  /** UUID PRIMARY KEY */
  id: string;
  /** INTEGER NOT NULL */
  ano: number;
  /** INTEGER NOT NULL — 1-12 */
  mes: number;
  /** DECIMAL(12,2) */
  receita_total: Decimal | null;
  /** DECIMAL(12,2) */
  receita_recorrente: Decimal | null;
  /** DECIMAL(12,2) */
  receita_nova: Decimal | null;
  /** INTEGER */
  clientes_ativos: number | null;
  /** INTEGER */
  clientes_novos: number | null;
  /** INTEGER */
  clientes_cancelados: number | null;
  /** DECIMAL(5,2) — Taxa de cancelamento */
  churn_rate: Decimal | null;
  /** INTEGER */
  pagamentos_mobile: number | null;
  /** DECIMAL(5,2) */
  percentual_pagamentos_mobile: Decimal | null;
  /** DECIMAL(12,2) */
  mrr: Decimal | null;
  /** DECIMAL(5,2) */
  mrr_crescimento: Decimal | null;
  /** INTEGER */
  faturas_vencidas: number | null;
  /** DECIMAL(12,2) */
  valor_inadimplencia: Decimal | null;
  /** TIMESTAMP */
  gerado_em: string | null;
}
/** Filters of financeiro.relatorios_mensais (its manifest's filterable columns). */
export type RelatorioMensalFilters = Filters<RelatorioMensal, 'ano' | 'mes'>;
/** Body of a new financeiro.relatorios_mensais: ano, mes required. */
export interface RelatorioMensalCreate {
  ano: number;
  mes: number;
  receita_total?: DecimalInput | null;
  receita_recorrente?: DecimalInput | null;
  receita_nova?: DecimalInput | null;
  clientes_ativos?: number | null;
  clientes_novos?: number | null;
  clientes_cancelados?: number | null;
  churn_rate?: DecimalInput | null;
  pagamentos_mobile?: number | null;
  percentual_pagamentos_mobile?: DecimalInput | null;
  mrr?: DecimalInput | null;
  mrr_crescimento?: DecimalInput | null;
  faturas_vencidas?: number | null;
  valor_inadimplencia?: DecimalInput | null;
  gerado_em?: string | null;
}
/** Body of an update of financeiro.relatorios_mensais: any fields of the row. */
export type RelatorioMensalUpdate = Partial<RelatorioMensalCreate>;

/** financeiro.configuracoes_cobranca */
export interface ConfiguracaoCobranca {
  /** UUID PRIMARY KEY */
  id: string;
  /** VARCHAR(255) NOT NULL */
  nome_empresa: string;
  /** VARCHAR(18) */
  cnpj: string | null;
  /** TEXT */
  endereco: string | null;
  /** INTEGER */
  dias_vencimento: number | null;
  /** DECIMAL(5,2) */
  juros_mes: Decimal | null;
  /** DECIMAL(5,2) */
  multa_atraso: Decimal | null;
  /** BOOLEAN */
  whatsapp_cobranca: boolean | null;
  /** TEXT */
  template_whatsapp_cobranca: string | null;
  /** BOOLEAN */
  push_notification_cobranca: boolean | null;
  /** TEXT */
  template_fatura_criada: string | null;
  /** TEXT */
  template_fatura_vencendo: string | null;
  /** TEXT */
  template_fatura_vencida: string | null;
  /** TEXT */
  template_pagamento_confirmado: string | null;
  /** VARCHAR(50) */
  gateway_principal: string | null;
  /** JSONB */
  gateway_config: unknown;
  /** TIMESTAMP */
  updated_at: string | null;
}
/** Filters of financeiro.configuracoes_cobranca (its manifest's filterable columns). */
export type ConfiguracaoCobrancaFilters = Filters<ConfiguracaoCobranca, 'cnpj' | 'gateway_principal'>;
/** Body of a new financeiro.configuracoes_cobranca: nome_empresa required. */
export interface ConfiguracaoCobrancaCreate {
  nome_empresa: string;
  cnpj?: string | null;
  endereco?: string | null;
  dias_vencimento?: number | null;
  juros_mes?: DecimalInput | null;
  multa_atraso?: DecimalInput | null;
  whatsapp_cobranca?: boolean | null;
  template_whatsapp_cobranca?: string | null;
  push_notification_cobranca?: boolean | null;
  template_fatura_criada?: string | null;
  template_fatura_vencendo?: string | null;
  template_fatura_vencida?: string | null;
  template_pagamento_confirmado?: string | null;
  gateway_principal?: string | null;
  gateway_config?: unknown;
  updated_at?: string | null;
}
/** Body of an update of financeiro.configuracoes_cobranca: any fields of the row. */
export type ConfiguracaoCobrancaUpdate = Partial<ConfiguracaoCobrancaCreate>;
